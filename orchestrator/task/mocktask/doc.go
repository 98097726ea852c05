// Package mocktask reads the mock configuration files of AWS Step Functions
// Local ("Using mocked service integrations") and answers a mocked Task
// state's invocations from them, in order.
//
// # File format
//
//	{
//	  "StateMachines": {
//	    "contact-form": {
//	      "TestCases": {
//	        "SesFailsThenRecovers": {"Notify": "NotifyThrottledOnce"}
//	      }
//	    }
//	  },
//	  "MockedResponses": {
//	    "NotifyThrottledOnce": {
//	      "0":   {"Throw": {"Error": "SESv2.TooManyRequestsException", "Cause": "slow down"}},
//	      "1-3": {"Return": {"MessageId": "m-1"}}
//	    }
//	  }
//	}
//
// A test case maps a state name to the name of a mocked response. A mocked
// response maps invocation numbers to exactly one of Return (the Task's raw
// result) or Throw (its Error and Cause). Keys are a zero-based invocation
// number ("0") or an inclusive range ("1-3"); together they must cover
// 0..n-1 without gaps or overlaps. The k-th invocation of a state (retries
// included, counting from 0) gets the response whose key contains k; an
// invocation past the last key is an error.
//
// # Use
//
//	cfg, err := mocktask.Load("statemachines/contact-form.mocks.json")
//	c, err := cfg.TestCase("contact-form", "ValidForm")
//	if c.Mocked("Notify") {
//		resp, err := c.Next("Notify")
//		...
//	}
//
// Values in Return are decoded with UseNumber into plain Go values (nil,
// bool, string, json.Number, []any, map[string]any), the representation the
// rest of the orchestrator uses.
package mocktask
