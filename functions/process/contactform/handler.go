package contactform

import (
	"context"
	"time"
)

// Handler is the Process function. Build it once in main.
type Handler struct {
	// Sender is the From address (verified in SES).
	Sender string
	// Recipient receives the form's messages.
	Recipient string
	// NowFunc is the clock used when the input has no receivedAt; nil means
	// time.Now.
	NowFunc func() time.Time
}

// Handle validates the form of in and prepares the record and the e-mail.
// An invalid form fails with a *ValidationError.
func (h *Handler) Handle(_ context.Context, in Input) (*Output, error) {
	now := time.Now
	if h.NowFunc != nil {
		now = h.NowFunc
	}
	return Prepare(in, h.Sender, h.Recipient, now())
}
