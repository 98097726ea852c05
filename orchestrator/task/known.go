package task

import (
	"regexp"
	"strings"
)

// kind is what runs a Task resource.
type kind int

const (
	kindUnknown kind = iota
	kindLambda       // lambda:invoke and function ARNs
	kindDynamoDB
	kindSESv2
	kindSQS
	kindEngine // states:startExecution* and activities: the engine's own
)

var (
	partition = `aws|aws-cn|aws-us-gov`
	region    = `[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-[0-9]+`
	account   = `[0-9]{12}`

	// arn:aws:states:::<service>:<action>[.<pattern>]
	integrationARN = regexp.MustCompile(`^arn:(?:` + partition + `):states:::(.+)$`)
	// arn:aws:lambda:us-east-1:123456789012:function:name[:qualifier]
	functionARN = regexp.MustCompile(`^arn:(?:` + partition + `):lambda:` + region + `:` + account +
		`:function:[a-zA-Z0-9_-]{1,64}(?::(?:\$LATEST|[a-zA-Z0-9_-]{1,128}))?$`)
	// arn:aws:states:us-east-1:123456789012:activity:name
	activityARN = regexp.MustCompile(`^arn:(?:` + partition + `):states:` + region + `:` + account + `:activity:(.{1,80})$`)
)

// integrations are the Step Functions service integrations stepwise runs,
// by the resource after arn:aws:states::: (with its integration pattern).
var integrations = map[string]kind{
	"lambda:invoke":                            kindLambda,
	"lambda:invoke.waitForTaskToken":           kindLambda,
	"dynamodb:putItem":                         kindDynamoDB,
	"dynamodb:getItem":                         kindDynamoDB,
	"dynamodb:updateItem":                      kindDynamoDB,
	"dynamodb:deleteItem":                      kindDynamoDB,
	"aws-sdk:sesv2:sendEmail":                  kindSESv2,
	"aws-sdk:sesv2:sendEmail.waitForTaskToken": kindSESv2,
	"sqs:sendMessage":                          kindSQS,
	"sqs:sendMessage.waitForTaskToken":         kindSQS,
	"states:startExecution":                    kindEngine,
	"states:startExecution.sync":               kindEngine,
	"states:startExecution.sync:2":             kindEngine,
	"states:startExecution.waitForTaskToken":   kindEngine,
}

// validActivityName applies Step Functions' naming rules: no white space,
// brackets, wildcards, special or control characters.
func validActivityName(name string) bool {
	for _, r := range name {
		if r <= ' ' || r == 0x7f || (r >= 0x80 && r <= 0x9f) || strings.ContainsRune("<>{}[]?*\"#%\\^|~`$&,;:/", r) {
			return false
		}
	}
	return true
}

// classify returns what runs a resource.
func classify(resource string) kind {
	if m := integrationARN.FindStringSubmatch(resource); m != nil {
		return integrations[m[1]]
	}
	if functionARN.MatchString(resource) {
		return kindLambda
	}
	if m := activityARN.FindStringSubmatch(resource); m != nil && validActivityName(m[1]) {
		return kindEngine
	}
	return kindUnknown
}

// Known reports whether stepwise runs a Task resource: the integrations
// lambda:invoke, dynamodb:putItem/getItem/updateItem/deleteItem,
// aws-sdk:sesv2:sendEmail, sqs:sendMessage and states:startExecution
// (with the integration patterns each supports), Lambda function ARNs and
// activity ARNs. Resources with an unsubstituted ${...} placeholder, a
// malformed region or account, or another partition than aws, aws-cn and
// aws-us-gov are not known. It is the asl.ParseOptions.KnownResource of
// definitions created in stepwise.
func Known(resource string) bool {
	return classify(resource) != kindUnknown
}
