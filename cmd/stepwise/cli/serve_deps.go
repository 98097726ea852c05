package cli

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"

	"github.com/stepwise-dev/stepwise/functions/api/contact"
	"github.com/stepwise-dev/stepwise/orchestrator/api"
	"github.com/stepwise-dev/stepwise/orchestrator/app"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
)

// serveDeps are the parts of serve that depend on the task integrations and
// the API.
type serveDeps struct {
	dataDir string
	log     *slog.Logger
	tasks   interp.TaskInvoker
	known   func(arn string) bool
}

func newServeDeps(_ context.Context, dataDir string, log *slog.Logger) (*serveDeps, error) {
	return &serveDeps{dataDir: dataDir, log: log}, nil
}

// substitutions fill the app's definitions: the process function and the
// contacts table, from the environment or the local defaults.
func (d *serveDeps) substitutions(rt *app.Runtime) map[string]string {
	return map[string]string{
		"ProcessFunctionArn": firstSet(os.Getenv("PROCESS_FUNCTION_ARN"),
			"arn:aws:lambda:"+rt.Region+":"+rt.AccountID+":function:process"),
		"ContactsTableName": firstSet(os.Getenv("CONTACTS_TABLE"), "contacts"),
	}
}

func (d *serveDeps) mount(mux *http.ServeMux, rt *app.Runtime, sms map[string]*store.StateMachine) error {
	sfn, err := api.New(&api.Config{Engine: rt.Engine, Region: rt.Region, AccountID: rt.AccountID,
		KnownResource: d.known, Logger: d.log})
	if err != nil {
		return err
	}
	std, exp := sms["contact-form"], sms["contact-form-express"]
	form, err := contact.New(&contact.Config{Engine: rt.Engine, StandardARN: std.ARN, ExpressARN: exp.ARN, Logger: d.log})
	if err != nil {
		return err
	}
	mux.Handle("POST /{$}", sfn)
	mux.Handle("/contact", form)
	mux.Handle("/contact/", form)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusFound)
	})
	return nil
}

// resume re-sends what unfinished executions wait for: the in-process
// queue starts empty after a restart.
func (d *serveDeps) resume(ctx context.Context, rt *app.Runtime) (int, error) {
	return rt.Engine.ResumeAll(ctx)
}

func (d *serveDeps) describe() []string {
	return []string{"outbox              " + filepath.Join(d.dataDir, "outbox") + " (sent e-mail as .eml)"}
}

func firstSet(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
