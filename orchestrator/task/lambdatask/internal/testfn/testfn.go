// Package testfn is a Lambda function for the tests of lambdatask: it runs
// in-process through a Local registry and, built as testdata/bootstrap,
// under the Lambda runtime interface emulator, so that both answer the same
// events.
package testfn

import (
	"context"
	"errors"
	"os"
	"time"
)

// Event selects what the function does.
type Event struct {
	Mode  string `json:"mode"`
	Value any    `json:"value,omitempty"`
}

// CustomError is an error whose type name is the errorType.
type CustomError struct{ Reason string }

// Error returns the reason.
func (e *CustomError) Error() string { return e.Reason }

// Handle answers an Event: "echo" returns the value, "error" fails with an
// errors.New error, "custom" with a *CustomError, "panic" panics, "sleep"
// sleeps two seconds (longer than the test's one-second function timeout)
// and "exit" ends the process.
func Handle(_ context.Context, e Event) (any, error) {
	switch e.Mode {
	case "echo":
		return e.Value, nil
	case "error":
		return nil, errors.New("something failed")
	case "custom":
		return nil, &CustomError{Reason: `{"field":"email"}`}
	case "panic":
		panic("unexpected")
	case "sleep":
		time.Sleep(2 * time.Second) // past the deadline in ctx, so that the runtime times out
		return "woke up", nil
	case "exit":
		os.Exit(3)
	}
	return map[string]any{"mode": e.Mode}, nil
}
