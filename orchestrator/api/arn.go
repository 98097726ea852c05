package api

import (
	"strings"
)

// Resource types of Step Functions ARNs.
const (
	resStateMachine = "stateMachine"
	resExecution    = "execution"
	resExpress      = "express"
	resActivity     = "activity"
)

// arn is a parsed Step Functions ARN:
// arn:<partition>:states:<region>:<account>:<type>:<resource>.
type arn struct {
	Partition, Region, Account string
	Type                       string
	// Resource is everything after the type: a name, or
	// "<state machine>:<execution>" for an execution.
	Resource string
}

// parseARN parses a Step Functions ARN and checks that its resource type is
// one of types, answering InvalidArn as AWS does otherwise.
func parseARN(s string, types ...string) (*arn, *Error) {
	if !strings.HasPrefix(s, "arn:") {
		return nil, invalidARN("Invalid ARN prefix: %s", s)
	}
	parts := strings.SplitN(s, ":", 7)
	if len(parts) < 7 || parts[1] == "" || parts[2] != "states" || parts[5] == "" || parts[6] == "" {
		return nil, invalidARN("%s", s)
	}
	a := &arn{Partition: parts[1], Region: parts[3], Account: parts[4], Type: parts[5], Resource: parts[6]}
	for _, t := range types {
		if a.Type == t {
			return a, nil
		}
	}
	return nil, invalidARN("Resource type not valid in this context: %s", a.Type)
}

// stateMachineARN returns the ARN of the state machine name.
func (h *handler) stateMachineARN(name string) string {
	return "arn:aws:states:" + h.region + ":" + h.account + ":" + resStateMachine + ":" + name
}

// activityARN returns the ARN of the activity name.
func (h *handler) activityARN(name string) string {
	return "arn:aws:states:" + h.region + ":" + h.account + ":" + resActivity + ":" + name
}

// expressExecutionARN returns the ARN of an express execution as AWS forms
// it: arn:aws:states:<region>:<account>:express:<state machine>:<name>:<id>.
func expressExecutionARN(stateMachineARN, name, id string) string {
	return strings.Replace(stateMachineARN, ":"+resStateMachine+":", ":"+resExpress+":", 1) + ":" + name + ":" + id
}

// validName reports whether name is a valid state machine, execution or
// activity name for AWS: no white space, brackets, wildcards, special
// characters " # % \ ^ | ~ ` $ & , ; : / or control characters. (Lengths
// are checked as constraints before.)
func validName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		switch {
		case r <= 0x20, r >= 0x7f && r <= 0x9f:
			return false
		case strings.ContainsRune("<>{}[]?*\"#%\\^|~`$&,;:/", r):
			return false
		case r == 0x85 || r == 0xa0 || r == 0x1680 || (r >= 0x2000 && r <= 0x200a) ||
			r == 0x2028 || r == 0x2029 || r == 0x202f || r == 0x205f || r == 0x3000:
			return false // white space
		}
	}
	return true
}
