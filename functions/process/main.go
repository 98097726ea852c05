// Command process is the contact form's Process Lambda function: it
// validates the form and prepares the record and the e-mail (see package
// contactform).
//
// Environment: SENDER_EMAIL (required, the verified From address) and
// RECIPIENT_EMAIL (who receives the messages; default SENDER_EMAIL).
package main

import (
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/stepwise-dev/stepwise/functions/process/contactform"
)

func main() {
	sender := os.Getenv("SENDER_EMAIL")
	if sender == "" {
		log.Fatal("SENDER_EMAIL is not set")
	}
	recipient := os.Getenv("RECIPIENT_EMAIL")
	if recipient == "" {
		recipient = sender
	}
	h := &contactform.Handler{Sender: sender, Recipient: recipient}
	lambda.Start(h.Handle)
}
