package contactform_test

import (
	"fmt"

	"github.com/stepwise-dev/stepwise/functions/process/contactform"
)

func ExampleValidate() {
	_, err := contactform.Validate(contactform.Form{
		Name:    "Mallory\r\nBcc: victim@example.org",
		Email:   "Mallory <mallory@example.com>",
		Message: "Hi",
	})
	fmt.Println(err)

	form, err := contactform.Validate(contactform.Form{Name: " Ada ", Email: "ada@example.com", Message: "Hello\r\n"})
	fmt.Printf("%q %v\n", form.Name+"|"+form.Message, err)
	// Output:
	// {"message":"the contact form is invalid","fields":[{"field":"name","reason":"contains control characters"},{"field":"email","reason":"not a plain e-mail address (want name@example.com)"}]}
	// "Ada|Hello" <nil>
}
