// Command api is the Lambda behind the app's API Gateway HTTP API (payload
// format 2.0). It serves:
//
//	POST /               the Step Functions API (AWS JSON 1.0, X-Amz-Target:
//	                     AWSStepFunctions.<Operation>); API Gateway protects
//	                     this route with IAM authorization in the deployed app
//	POST /contact        the contact form (see package contact): starts the
//	GET  /contact/{id}   contact-form state machine, reads its result
//	GET  /console/...    the console's page (static; its API calls are signed)
//
// Environment: TABLE_NAME (the stepwise table) and QUEUE_URL (the step
// queue), as the worker; DEFINITION_SUBSTITUTIONS, a JSON object that
// fills the ${Name} placeholders of statemachines/*.asl.json, which are
// registered (created or updated) at cold start; CONTACT_STATE_MACHINE_ARN
// and CONTACT_EXPRESS_STATE_MACHINE_ARN override the registered
// contact-form machines (STANDARD, and its EXPRESS twin for POST
// /contact?mode=sync); ACCOUNT_ID, the account in the ARNs (default
// 123456789012); AWS_REGION, their region (set by Lambda); LOG_LEVEL
// (DEBUG, INFO, WARN, ERROR).
package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/stepwise-dev/stepwise/console"
	"github.com/stepwise-dev/stepwise/functions/api/apigw"
	"github.com/stepwise-dev/stepwise/functions/api/contact"
	"github.com/stepwise-dev/stepwise/orchestrator/api"
	stepwiseapp "github.com/stepwise-dev/stepwise/orchestrator/app"
	"github.com/stepwise-dev/stepwise/orchestrator/engine"
	"github.com/stepwise-dev/stepwise/orchestrator/task"
	"github.com/stepwise-dev/stepwise/statemachines"
)

func main() {
	log := stepwiseapp.NewLogger(os.Getenv("LOG_LEVEL"))
	table, queueURL := os.Getenv("TABLE_NAME"), os.Getenv("QUEUE_URL")
	if table == "" || queueURL == "" {
		log.Error("TABLE_NAME and QUEUE_URL must be set")
		os.Exit(1)
	}
	ctx := context.Background()
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Error("loading AWS configuration", "error", err)
		os.Exit(1)
	}
	// Express executions (StartSyncExecution, POST /contact?mode=sync) run
	// their Task states here, through the same integrations as the worker.
	tasks, err := task.New(&task.Config{AWS: &awsCfg, Logger: log, Region: awsCfg.Region, AccountID: os.Getenv("ACCOUNT_ID"),
		Emulators: emulated()})
	if err != nil {
		log.Error("creating the task integrations", "error", err)
		os.Exit(1)
	}
	rt, err := stepwiseapp.Open(ctx, &stepwiseapp.Options{TableName: table, QueueURL: queueURL, AWS: &awsCfg, Tasks: tasks,
		Region: awsCfg.Region, AccountID: os.Getenv("ACCOUNT_ID"), Logger: log})
	if err != nil {
		log.Error("creating engine", "error", err)
		os.Exit(1)
	}
	cfg := appConfig{
		Region:            rt.Region,
		AccountID:         rt.AccountID,
		ContactARN:        os.Getenv("CONTACT_STATE_MACHINE_ARN"),
		ContactExpressARN: os.Getenv("CONTACT_EXPRESS_STATE_MACHINE_ARN"),
	}

	// The app's state machines, registered at cold start from the
	// definitions built into the binary, with the template's substitutions.
	subst, err := statemachines.ParseSubstitutions(os.Getenv("DEFINITION_SUBSTITUTIONS"))
	if err != nil {
		log.Error("reading DEFINITION_SUBSTITUTIONS", "error", err)
		os.Exit(1)
	}
	sms, err := statemachines.Register(ctx, &statemachines.RegisterParams{Store: rt.Store, Region: rt.Region,
		AccountID: rt.AccountID, RoleARN: os.Getenv("STATE_MACHINE_ROLE_ARN"), Substitutions: subst,
		KnownResource: task.Known, Now: time.Now().UTC()})
	if err != nil {
		log.Error("registering the state machines", "error", err)
		os.Exit(1)
	}
	if cfg.ContactARN == "" {
		cfg.ContactARN = sms["contact-form"].ARN
	}
	if cfg.ContactExpressARN == "" {
		cfg.ContactExpressARN = sms["contact-form-express"].ARN
	}

	h, err := newHandler(rt.Engine, cfg, log)
	if err != nil {
		log.Error("creating the HTTP handler", "error", err)
		os.Exit(1)
	}
	lambda.Start(apigw.Handler(h, log))
}

// appConfig is what main reads from the environment for the handler.
type appConfig struct {
	Region, AccountID             string
	ContactARN, ContactExpressARN string
}

// newHandler returns the routes of the API: the Step Functions API at
// POST /, and the contact routes when cfg.ContactARN is set.
func newHandler(eng *engine.Engine, cfg appConfig, log *slog.Logger) (http.Handler, error) {
	sfnAPI, err := api.New(&api.Config{Engine: eng, Region: cfg.Region, AccountID: cfg.AccountID, Logger: log})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("POST /{$}", sfnAPI)
	mux.Handle(console.Prefix, console.Handler())
	if cfg.ContactARN != "" {
		c, err := contact.New(&contact.Config{Engine: eng, StandardARN: cfg.ContactARN, ExpressARN: cfg.ContactExpressARN,
			Logger: log, RequestInfoFunc: requestInfo})
		if err != nil {
			return nil, err
		}
		mux.Handle("/contact", c)
		mux.Handle("/contact/", c)
	}
	return mux, nil
}

// requestInfo takes a contact submission's request ID, client address and
// arrival time from the API Gateway event, which the client cannot forge.
func requestInfo(r *http.Request) contact.RequestInfo {
	ev, ok := apigw.Event(r.Context())
	if !ok {
		ip, _, _ := net.SplitHostPort(r.RemoteAddr)
		return contact.RequestInfo{SourceIP: ip, Time: time.Now()}
	}
	info := contact.RequestInfo{RequestID: ev.RequestContext.RequestID, SourceIP: ev.RequestContext.HTTP.SourceIP}
	if ev.RequestContext.TimeEpoch > 0 {
		info.Time = time.UnixMilli(ev.RequestContext.TimeEpoch).UTC()
	} else {
		info.Time = time.Now()
	}
	return info
}

// emulated says that the services are local emulators (the runtime
// interface emulator, DynamoDB Local), as under `sam local` or in the
// end-to-end tests: an AWS_ENDPOINT_URL is set. Their quirks (the
// emulator's error replies without X-Amz-Function-Error) are accepted.
func emulated() bool {
	for _, k := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_LAMBDA", "AWS_ENDPOINT_URL_DYNAMODB"} {
		if os.Getenv(k) != "" {
			return true
		}
	}
	return false
}
