// Package contactform is the logic of the contact form's Process function:
// it validates a submitted form and prepares what the next states need, the
// record that Store writes to DynamoDB and the e-mail that Notify sends.
//
// # Input and output
//
// The function receives the execution input of
// statemachines/contact-form.asl.json (see events/process-valid.json):
//
//	{"submissionId": "...", "receivedAt": "2025-...Z", "sourceIp": "...",
//	 "form": {"name": "...", "email": "...", "message": "..."}}
//
// and returns an [Output]: the [Record] (its ID is derived from the
// submission ID and the form, so a redelivered submission maps to the same
// item and Store's conditional write turns it into a no-op) and the [Email].
//
// # Errors
//
// An invalid form fails with a *[ValidationError]. aws-lambda-go reports a
// handler error's Go type name as its errorType, which Step Functions uses as
// the error name, so a Catch on "ValidationError" sees it; its message is a
// JSON object naming each invalid field and why.
package contactform
