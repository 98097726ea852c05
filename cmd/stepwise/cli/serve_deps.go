package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/stepwise-dev/stepwise/functions/api/contact"
	"github.com/stepwise-dev/stepwise/functions/process/contactform"
	"github.com/stepwise-dev/stepwise/orchestrator/api"
	"github.com/stepwise-dev/stepwise/orchestrator/app"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/store"
	"github.com/stepwise-dev/stepwise/orchestrator/task"
	"github.com/stepwise-dev/stepwise/orchestrator/task/boltdynamo"
)

// serveDeps are the parts of serve that depend on the task integrations and
// the API.
type serveDeps struct {
	dataDir string
	log     *slog.Logger
	tasks   interp.TaskInvoker
	known   func(arn string) bool
	router  *task.Router
}

// newServeDeps builds the task integrations: each service through the AWS
// SDK when its AWS_ENDPOINT_URL_<SERVICE> is set, a local stand-in in
// dataDir otherwise; the process function runs in-process unless Lambda
// has an endpoint.
func newServeDeps(ctx context.Context, dataDir string, log *slog.Logger) (*serveDeps, error) {
	h := &contactform.Handler{
		Sender:    firstSet(os.Getenv("SENDER_EMAIL"), "forms@example.com"),
		Recipient: firstSet(os.Getenv("RECIPIENT_EMAIL"), os.Getenv("SENDER_EMAIL"), "team@example.com"),
	}
	router, err := task.FromEnv(ctx, dataDir, map[string]task.Function{"process": task.FromHandler(h.Handle)})
	if err != nil {
		return nil, fmt.Errorf("setting up the task integrations: %w", err)
	}
	d := &serveDeps{dataDir: dataDir, log: log, tasks: router, known: task.Known, router: router}
	if err := d.createContactsTable(ctx); err != nil {
		_ = router.Close()
		return nil, err
	}
	return d, nil
}

// contactsTable is the table the contact form's Store state writes.
func contactsTable() string { return firstSet(os.Getenv("CONTACTS_TABLE"), "contacts") }

// createContactsTable makes sure the contacts table exists, keyed by pk as
// in template.yaml: in the local stand-in, or on the DynamoDB endpoint.
func (d *serveDeps) createContactsTable(ctx context.Context) error {
	name := contactsTable()
	if db := d.router.LocalDynamoDB(); db != nil {
		return db.CreateTable(name, boltdynamo.KeySchema{PartitionKey: "pk", PartitionKeyType: "S"})
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return err
	}
	client := dynamodb.NewFromConfig(cfg)
	_, err = client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	var nf *dbtypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		return err
	}
	_, err = client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []dbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: dbtypes.ScalarAttributeTypeS}},
		KeySchema:            []dbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: dbtypes.KeyTypeHash}},
		BillingMode:          dbtypes.BillingModePayPerRequest,
	})
	if err != nil {
		return fmt.Errorf("creating the contacts table %s: %w", name, err)
	}
	return nil
}

func (d *serveDeps) close() error { return d.router.Close() }

// substitutions fill the app's definitions: the process function and the
// contacts table, from the environment or the local defaults.
func (d *serveDeps) substitutions(rt *app.Runtime) map[string]string {
	return map[string]string{
		"ProcessFunctionArn": firstSet(os.Getenv("PROCESS_FUNCTION_ARN"),
			"arn:aws:lambda:"+rt.Region+":"+rt.AccountID+":function:process"),
		"ContactsTableName": contactsTable(),
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
	var out []string
	for _, svc := range task.Services {
		where := "local stand-in"
		switch {
		case d.router.Backend(svc) == "aws":
			where = "AWS SDK (" + firstSet(os.Getenv("AWS_ENDPOINT_URL_"+strings.ToUpper(string(svc))), os.Getenv("AWS_ENDPOINT_URL"), "default endpoint") + ")"
		case svc == task.ServiceLambda:
			where = "in-process (functions: process)"
		case svc == task.ServiceDynamoDB:
			where = "local tables in " + filepath.Join(d.dataDir, "dynamodb.db")
		case svc == task.ServiceSESv2:
			where = "sent e-mail as .eml in " + filepath.Join(d.dataDir, "outbox")
		case svc == task.ServiceSQS:
			where = "messages as JSON lines in " + filepath.Join(d.dataDir, "sqs")
		}
		out = append(out, fmt.Sprintf("%-19s %s", string(svc), where))
	}
	return out
}

func firstSet(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
