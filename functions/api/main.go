// Command api is the Lambda behind the app's API Gateway HTTP API (payload
// format 2.0). It serves:
//
//	POST /               the Step Functions API (AWS JSON 1.0, X-Amz-Target:
//	                     AWSStepFunctions.<Operation>); API Gateway protects
//	                     this route with IAM authorization in the deployed app
//	POST /contact        the contact form (see package contact): starts the
//	GET  /contact/{id}   contact-form state machine, reads its result
//
// Environment: TABLE_NAME (the stepwise table) and QUEUE_URL (the step
// queue), as the worker; CONTACT_STATE_MACHINE_ARN, the ARN of the
// contact-form STANDARD state machine (unset: no contact routes);
// CONTACT_EXPRESS_STATE_MACHINE_ARN, the ARN of its EXPRESS twin for
// POST /contact?mode=sync (optional); ACCOUNT_ID, the account in the ARNs
// of new state machines and activities (default 123456789012); AWS_REGION,
// their region (set by Lambda).
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
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/stepwise-dev/stepwise/functions/api/apigw"
	"github.com/stepwise-dev/stepwise/functions/api/contact"
	"github.com/stepwise-dev/stepwise/orchestrator/api"
	"github.com/stepwise-dev/stepwise/orchestrator/engine"
	"github.com/stepwise-dev/stepwise/orchestrator/queue/sqsqueue"
	"github.com/stepwise-dev/stepwise/orchestrator/store/dynamostore"
)

func main() {
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	table, queueURL := os.Getenv("TABLE_NAME"), os.Getenv("QUEUE_URL")
	if table == "" || queueURL == "" {
		log.Error("TABLE_NAME and QUEUE_URL must be set")
		os.Exit(1)
	}
	cfg := appConfig{
		Region:            os.Getenv("AWS_REGION"),
		AccountID:         os.Getenv("ACCOUNT_ID"),
		ContactARN:        os.Getenv("CONTACT_STATE_MACHINE_ARN"),
		ContactExpressARN: os.Getenv("CONTACT_EXPRESS_STATE_MACHINE_ARN"),
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Error("loading AWS configuration", "error", err)
		os.Exit(1)
	}
	eng, err := engine.New(&engine.Config{
		Store:     dynamostore.New(dynamodb.NewFromConfig(awsCfg), table),
		Queue:     sqsqueue.New(sqs.NewFromConfig(awsCfg), queueURL),
		Logger:    log,
		Region:    cfg.Region,
		AccountID: cfg.AccountID,
	})
	if err != nil {
		log.Error("creating engine", "error", err)
		os.Exit(1)
	}

	// TODO(statemachines): register the state machine definitions here,
	// at cold start and before serving, with the shared registration
	// helper (the contact form's STANDARD and EXPRESS state machines).

	h, err := newHandler(eng, cfg, log)
	if err != nil {
		log.Error("creating the HTTP handler", "error", err)
		os.Exit(1)
	}
	if cfg.ContactARN == "" {
		log.Warn("CONTACT_STATE_MACHINE_ARN is not set: the contact routes are off")
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
