package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/orchestrator/queue/sqsqueue"
	"github.com/stepwise-dev/stepwise/orchestrator/store/dynamostore"
)

const (
	sender    = "forms@example.com"
	recipient = "team@example.com"
	clientIP  = "203.0.113.9"
)

// lambdaApp is the SAM app on loopback: the api, worker and process
// functions under the runtime interface emulator, the worker fed from SQS
// by sqsqueue.Poller, the stepwise and contacts tables in DynamoDB.
type lambdaApp struct {
	process, api *rie
	worker       atomic.Pointer[rie] // replaced by restartWorker
	workerEnv    []string
	t            *testing.T // the test the processes belong to
	gw           *apiGateway
	http         *http.Client // to API Gateway
	sfn          *sfn.Client  // the Step Functions API at POST /, through API Gateway
	db           *dynamodb.Client
	contacts     string
	sesURL       string
}

// newLambdaApp creates a fresh table, contacts table and queue and starts
// the functions and the poller.
func newLambdaApp(t *testing.T) *lambdaApp {
	t.Helper()
	needEnv(t, "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL_SESV2")
	rieBinary(t)
	ctx := context.Background()
	cfg := awsConfig(t)
	db := dynamodb.NewFromConfig(cfg)
	sqsClient := sqs.NewFromConfig(cfg)
	id := suffix(t)
	table, contacts := "e2e-stepwise-"+id, "e2e-contacts-"+id

	// The bootstraps build while the tables and the queue are created.
	needBootstraps(t)
	for _, id := range []string{"ProcessFunction", "WorkerFunction", "ApiFunction"} {
		go func() { _, _, _ = buildBootstrap(id) }() // bootstraps below waits and reports errors
	}
	require.NoError(t, dynamostore.CreateTable(ctx, db, table))
	t.Cleanup(func() { _, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: &table}) })
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(contacts),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	})
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: &contacts}) })
	q, err := sqsqueue.CreateQueue(ctx, sqsClient, &sqsqueue.CreateQueueParams{Name: "e2e-steps-" + id,
		VisibilityTimeout: 10 * time.Second, MaxReceives: 5})
	require.NoError(t, err)
	t.Cleanup(func() { _ = sqsqueue.DeleteQueue(context.Background(), sqsClient, q) })
	paths := bootstraps(t, "ProcessFunction", "WorkerFunction", "ApiFunction")

	a := &lambdaApp{t: t, db: db, contacts: contacts, sesURL: strings.TrimRight(os.Getenv("AWS_ENDPOINT_URL_SESV2"), "/")}
	a.process = startRIE(t, "process", paths["ProcessFunction"],
		"SENDER_EMAIL="+sender, "RECIPIENT_EMAIL="+recipient)
	// The emulator answers only for the function name "function" (its ARN
	// gets a 404).
	subst, _ := json.Marshal(map[string]string{
		"ProcessFunctionArn": "function",
		"ContactsTableName":  contacts,
	})
	common := []string{"TABLE_NAME=" + table, "QUEUE_URL=" + q.QueueURL, "AWS_ENDPOINT_URL_LAMBDA=" + a.process.url(),
		"DEFINITION_SUBSTITUTIONS=" + string(subst), "LOG_LEVEL=DEBUG"}
	a.workerEnv = append([]string{paths["WorkerFunction"]}, common...)
	a.worker.Store(startRIE(t, "worker", a.workerEnv[0], a.workerEnv[1:]...))
	a.api = startRIE(t, "api", paths["ApiFunction"], common...)

	pollCtx, cancel := context.WithCancel(context.Background())
	poller := sqsqueue.NewPoller(sqsClient, q.QueueURL, workerHandler(a.worker.Load),
		&sqsqueue.PollerConfig{BatchSize: 10, Wait: time.Second})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = poller.Run(pollCtx)
	}()
	t.Cleanup(func() { cancel(); <-done })

	a.gw = &apiGateway{fn: a.api, SourceIP: clientIP}
	a.http = &http.Client{Transport: a.gw, Timeout: 90 * time.Second}
	a.sfn = sfn.NewFromConfig(awsConfig(t), func(o *sfn.Options) {
		o.BaseEndpoint = aws.String("http://e2e.execute-api.us-east-1.amazonaws.com")
		o.HTTPClient = a.http
		o.RetryMaxAttempts = 1
	})
	return a
}

// restartWorker replaces the worker function with one whose environment
// has extra too (later entries win). It runs until the whole test ends.
func (a *lambdaApp) restartWorker(extra ...string) {
	env := append(append([]string(nil), a.workerEnv[1:]...), extra...)
	old := a.worker.Swap(startRIE(a.t, "worker", a.workerEnv[0], env...))
	old.kill()
}

// post sends a form to POST /contact (query "mode=sync" for the
// synchronous route), as JSON when form is a map, else form-encoded.
func (a *lambdaApp) post(t *testing.T, query string, form any) (int, map[string]any) {
	t.Helper()
	var body, ctype string
	switch f := form.(type) {
	case url.Values:
		body, ctype = f.Encode(), "application/x-www-form-urlencoded"
	default:
		b, err := json.Marshal(f)
		require.NoError(t, err)
		body, ctype = string(b), "application/json"
	}
	u := "https://e2e.execute-api.us-east-1.amazonaws.com/contact"
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", ctype)
	resp, err := a.http.Do(req)
	require.NoError(t, err)
	return resp.StatusCode, jsonBody(t, resp)
}

// settle polls GET statusURL until the submission is no longer RUNNING.
func (a *lambdaApp) settle(t *testing.T, statusURL string, timeout time.Duration) (int, map[string]any) {
	t.Helper()
	var code int
	var out map[string]any
	eventually(t, timeout, "GET "+statusURL, func() bool {
		resp, err := a.http.Get("https://e2e.execute-api.us-east-1.amazonaws.com" + statusURL)
		require.NoError(t, err)
		code, out = resp.StatusCode, jsonBody(t, resp)
		return out["status"] != "RUNNING"
	})
	return code, out
}

// items returns the contacts table's items.
func (a *lambdaApp) items(t *testing.T) []map[string]string {
	t.Helper()
	out, err := a.db.Scan(context.Background(), &dynamodb.ScanInput{TableName: &a.contacts, ConsistentRead: aws.Bool(true)})
	require.NoError(t, err)
	var items []map[string]string
	for _, it := range out.Items {
		m := map[string]string{}
		for k, v := range it {
			s, ok := v.(*ddbtypes.AttributeValueMemberS)
			require.True(t, ok, "attribute %s is %T, want a string", k, v)
			m[k] = s.Value
		}
		items = append(items, m)
	}
	return items
}

// sesMail is one message in aws-ses-v2-local's store.
type sesMail struct {
	MessageID   string   `json:"messageId"`
	From        string   `json:"from"`
	ReplyTo     []string `json:"replyTo"`
	Destination struct {
		To  []string `json:"to"`
		Cc  []string `json:"cc"`
		Bcc []string `json:"bcc"`
	} `json:"destination"`
	Subject string `json:"subject"`
	Body    struct {
		HTML string `json:"html"`
		Text string `json:"text"`
	} `json:"body"`
}

// mails returns the messages in the SES store since the given time whose
// text holds marker (other tests share the server).
func (a *lambdaApp) mails(t *testing.T, since time.Time, marker string) []sesMail {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("%s/store?since=%d", a.sesURL, since.Unix()-1))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var store struct {
		Emails []sesMail `json:"emails"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&store))
	var out []sesMail
	for _, m := range store.Emails {
		if strings.Contains(m.Body.Text, marker) || strings.Contains(m.Body.HTML, marker) ||
			strings.Contains(m.Subject, marker) || strings.Contains(strings.Join(m.ReplyTo, ","), marker) {
			out = append(out, m)
		}
	}
	return out
}

// history returns an execution's events through the API function.
func (a *lambdaApp) history(t *testing.T, arn string) []sfntypes.HistoryEvent {
	t.Helper()
	var events []sfntypes.HistoryEvent
	p := sfn.NewGetExecutionHistoryPaginator(a.sfn, &sfn.GetExecutionHistoryInput{ExecutionArn: &arn, MaxResults: 100})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		require.NoError(t, err)
		events = append(events, page.Events...)
	}
	return events
}

func fieldNames(t *testing.T, out map[string]any) []string {
	t.Helper()
	fields, ok := out["fields"].([]any)
	require.True(t, ok, "no fields in %v", out)
	var names []string
	for _, f := range fields {
		names = append(names, f.(map[string]any)["field"].(string))
	}
	return names
}

// TestContactForm runs the contact form through the SAM app's functions on
// loopback (see lambdaApp): valid forms end with one record and one escaped
// e-mail; invalid ones name the fields; a missing table and a dead
// function end FAILED with ServiceError.
func TestContactForm(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds three bootstraps and starts processes; skipped with -short")
	}
	a := newLambdaApp(t)
	began := time.Now()
	marker := suffix(t)

	// Markup and header-injection attempts that are valid input: they must
	// come out escaped in the HTML part and inert in the headers.
	name := `Zoë "<b>O'Brien</b>" %0d%0aBcc: victim@example.org`
	message := "<script>alert('" + marker + "')</script>\r\nSecond line & <img src=x onerror=alert(1)>\r\n" +
		"Bcc: victim@example.org"
	email := "zoe+" + marker + "@example.com"

	t.Run("valid form, asynchronous", func(t *testing.T) {
		code, out := a.post(t, "", map[string]string{"name": name, "email": email, "message": message})
		require.Equal(t, http.StatusAccepted, code, "reply %v", out)
		require.Equal(t, "RUNNING", out["status"])
		requestID := a.gw.LastRequestID.Load().(string)
		arn, _ := out["executionArn"].(string)
		require.Contains(t, arn, ":execution:contact-form:")
		statusURL, _ := out["statusUrl"].(string)
		require.Equal(t, "/contact/"+arn[strings.LastIndex(arn, ":")+1:], statusURL)

		code, out = a.settle(t, statusURL, 60*time.Second)
		require.Equal(t, http.StatusOK, code, "reply %v; history: %s", out, failureLog(a.history(t, arn)))
		require.Equal(t, "SUCCEEDED", out["status"], "reply %v", out)
		result := out["result"].(map[string]any)
		require.Equal(t, "accepted", result["status"])
		require.Equal(t, false, result["duplicate"])

		desc, err := a.sfn.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: &arn})
		require.NoError(t, err)
		require.Equal(t, sfntypes.ExecutionStatusSucceeded, desc.Status)

		// The record, read back with the SDK.
		items := a.items(t)
		require.Len(t, items, 1)
		rec := items[0]
		require.Equal(t, result["id"], rec["id"])
		require.Equal(t, name, rec["name"])
		require.Equal(t, email, rec["email"])
		require.Equal(t, strings.ReplaceAll(message, "\r\n", "\n"), rec["message"], "CRLF line ends become LF")
		require.Equal(t, requestID, rec["submissionId"], "the API Gateway request ID")
		require.Equal(t, clientIP, rec["sourceIp"])
		require.Equal(t, result["receivedAt"], rec["receivedAt"])

		// Exactly one e-mail, to the team only, with the markup escaped.
		mails := a.mails(t, began, marker)
		require.Len(t, mails, 1, "e-mails for this submission")
		m := mails[0]
		require.Equal(t, result["messageId"], m.MessageID)
		require.Equal(t, sender, m.From)
		require.Equal(t, []string{recipient}, m.Destination.To)
		require.Empty(t, m.Destination.Cc)
		require.Empty(t, m.Destination.Bcc)
		require.Equal(t, []string{email}, m.ReplyTo)
		require.NotContains(t, m.Subject, "\r")
		require.NotContains(t, m.Subject, "\n")
		require.Contains(t, m.Subject, name, "the name is in the subject as typed, on one line")
		for _, raw := range []string{"<script", "<b>", "<img", "O'Brien</b>"} {
			require.NotContains(t, m.Body.HTML, raw, "unescaped markup in the HTML body:\n%s", m.Body.HTML)
		}
		require.Contains(t, m.Body.HTML, "&lt;script&gt;")
		require.Contains(t, m.Body.HTML, "&lt;img src=x onerror=alert(1)&gt;")
		require.Contains(t, m.Body.HTML, "&lt;b&gt;")
		require.Contains(t, m.Body.Text, "<script>alert('"+marker+"')</script>", "the text part is the message as typed")
		t.Logf("e-mail subject %q, HTML part:\n%s", m.Subject, m.Body.HTML)
	})

	t.Run("valid form, synchronous, form-encoded", func(t *testing.T) {
		marker2 := suffix(t)
		form := url.Values{"name": {"Ada Lovelace"}, "email": {"ada+" + marker2 + "@example.com"},
			"message": {"Sync <em>" + marker2 + "</em>"}}
		code, out := a.post(t, "mode=sync", form)
		require.Equal(t, http.StatusOK, code, "reply %v", out)
		require.Equal(t, "SUCCEEDED", out["status"], "reply %v", out)
		result := out["result"].(map[string]any)
		require.Equal(t, "accepted", result["status"])
		require.Len(t, a.items(t), 2)
		mails := a.mails(t, began, marker2)
		require.Len(t, mails, 1)
		require.Equal(t, result["messageId"], mails[0].MessageID)
		require.Contains(t, mails[0].Body.HTML, "&lt;em&gt;"+marker2+"&lt;/em&gt;")
	})

	// Header injection in the name and the address: the form is refused
	// naming the fields, and nothing is stored or sent.
	invalid := map[string]string{
		"name":    "Mallory\r\nBcc: victim@example.org",
		"email":   "mallory@example.com\r\nBcc: victim@example.org",
		"message": "",
	}

	t.Run("invalid form, synchronous", func(t *testing.T) {
		code, out := a.post(t, "mode=sync", invalid)
		require.Equal(t, http.StatusBadRequest, code, "reply %v%s", out, emulatorHint)
		require.Equal(t, "FAILED", out["status"])
		require.Equal(t, "ValidationError", out["error"])
		require.Equal(t, []string{"name", "email", "message"}, fieldNames(t, out))
	})

	t.Run("invalid form, asynchronous, form-encoded", func(t *testing.T) {
		form := url.Values{}
		for k, v := range invalid {
			form.Set(k, v)
		}
		form.Set("email", "Mallory <mallory@example.com>")
		code, out := a.post(t, "", form)
		require.Equal(t, http.StatusAccepted, code, "reply %v", out)
		arn := out["executionArn"].(string)
		code, out = a.settle(t, out["statusUrl"].(string), 60*time.Second)
		require.Equal(t, http.StatusBadRequest, code, "reply %v; history: %s%s", out, failureLog(a.history(t, arn)), emulatorHint)
		require.Equal(t, "ValidationError", out["error"])
		require.Equal(t, []string{"name", "email", "message"}, fieldNames(t, out))

		desc, err := a.sfn.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: &arn})
		require.NoError(t, err)
		require.Equal(t, sfntypes.ExecutionStatusFailed, desc.Status)
		require.Equal(t, "ValidationError", aws.ToString(desc.Error))
		var cause map[string]any
		require.NoError(t, json.Unmarshal([]byte(aws.ToString(desc.Cause)), &cause), "cause %q", aws.ToString(desc.Cause))
		require.Equal(t, []string{"name", "email", "message"}, fieldNames(t, cause))

		require.Len(t, a.items(t), 2, "nothing stored")
		for _, m := range a.mails(t, began, "victim@example.org") {
			for _, to := range append(append(m.Destination.To, m.Destination.Cc...), m.Destination.Bcc...) {
				require.NotEqual(t, "victim@example.org", to)
			}
		}
	})

	// The service failures. SES's retries take 15 s on average (2+4+8+16 s
	// of full jitter), so that execution starts first and the others run
	// while it retries: it is past Store before the contacts table goes,
	// and past Process before the process function does.
	var sesExec struct {
		arn, statusURL, marker string
		started                time.Time
	}
	t.Run("SES unreachable: the execution starts and stores the record", func(t *testing.T) {
		// The worker again, with SES on a port where nothing listens.
		a.restartWorker("AWS_ENDPOINT_URL_SESV2=http://" + freeAddr(t))
		sesExec.started, sesExec.marker = time.Now(), suffix(t)
		code, out := a.post(t, "", map[string]string{"name": "Ada", "email": "ada@example.com", "message": "Unsent " + sesExec.marker})
		require.Equal(t, http.StatusAccepted, code, "reply %v", out)
		eventually(t, 60*time.Second, "the record of the SES case", func() bool {
			for _, it := range a.items(t) {
				if it["message"] == "Unsent "+sesExec.marker {
					return true
				}
			}
			return false
		})
		sesExec.arn, sesExec.statusURL = out["executionArn"].(string), out["statusUrl"].(string)
	})

	t.Run("contacts table missing: ServiceError at Store", func(t *testing.T) {
		_, err := a.db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: &a.contacts})
		require.NoError(t, err)
		marker3 := suffix(t)
		code, out := a.post(t, "", map[string]string{"name": "Ada", "email": "ada@example.com", "message": "Lost " + marker3})
		require.Equal(t, http.StatusAccepted, code, "reply %v", out)
		arn := out["executionArn"].(string)
		code, out = a.settle(t, out["statusUrl"].(string), 60*time.Second)
		require.Equal(t, http.StatusBadGateway, code, "reply %v", out)
		require.Equal(t, "FAILED", out["status"])
		require.Equal(t, "ServiceError", out["error"])
		require.Equal(t, "Store", out["step"])
		require.Equal(t, "DynamoDB", out["service"])
		require.Equal(t, false, out["stored"])

		desc, err := a.sfn.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: &arn})
		require.NoError(t, err)
		require.Equal(t, sfntypes.ExecutionStatusFailed, desc.Status)
		require.Equal(t, "ServiceError", aws.ToString(desc.Error))
		failed := taskFailures(a.history(t, arn))
		require.Equal(t, []string{"DynamoDB.ResourceNotFoundException"}, failed, "not retried: not a transient error")
		require.Empty(t, a.mails(t, began, marker3), "no e-mail")
	})

	t.Run("process function down: ServiceError at Process after retries", func(t *testing.T) {
		a.process.kill()
		started := time.Now()
		code, out := a.post(t, "", map[string]string{"name": "Ada", "email": "ada@example.com", "message": "Hello"})
		require.Equal(t, http.StatusAccepted, code, "reply %v", out)
		arn := out["executionArn"].(string)
		code, out = a.settle(t, out["statusUrl"].(string), 90*time.Second)
		require.Equal(t, http.StatusBadGateway, code, "reply %v", out)
		require.Equal(t, "ServiceError", out["error"])
		require.Equal(t, "Process", out["step"])
		require.Equal(t, "Lambda", out["service"])
		t.Logf("FAILED after %s", time.Since(started).Round(time.Millisecond))

		desc, err := a.sfn.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: &arn})
		require.NoError(t, err)
		require.Equal(t, sfntypes.ExecutionStatusFailed, desc.Status)
		require.Equal(t, "ServiceError", aws.ToString(desc.Error))
		// Process: MaxAttempts 3 on Lambda.SdkClientException, so four tries.
		failed := taskFailures(a.history(t, arn))
		require.Equal(t, []string{"Lambda.SdkClientException", "Lambda.SdkClientException",
			"Lambda.SdkClientException", "Lambda.SdkClientException"}, failed)
	})

	t.Run("SES unreachable: ServiceError at Notify after retries, the record stored", func(t *testing.T) {
		if sesExec.arn == "" {
			t.Skip("the SES case did not start (see above)")
		}
		code, out := a.settle(t, sesExec.statusURL, 90*time.Second)
		require.Equal(t, http.StatusBadGateway, code, "reply %v", out)
		require.Equal(t, "ServiceError", out["error"])
		require.Equal(t, "Notify", out["step"])
		require.Equal(t, "SES", out["service"])
		require.Equal(t, true, out["stored"], "the record was stored before Notify failed")
		t.Logf("FAILED after %s", time.Since(sesExec.started).Round(time.Millisecond))

		desc, err := a.sfn.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: &sesExec.arn})
		require.NoError(t, err)
		require.Equal(t, sfntypes.ExecutionStatusFailed, desc.Status)
		require.Equal(t, "ServiceError", aws.ToString(desc.Error))
		// Notify: MaxAttempts 4 on SesV2.SdkClientException, so five tries.
		failed := taskFailures(a.history(t, sesExec.arn))
		require.Len(t, failed, 5, "TaskFailed events: %v", failed)
		for _, name := range failed {
			require.Equal(t, "SesV2.SdkClientException", name)
		}
		require.Empty(t, a.mails(t, began, sesExec.marker))
	})
}

// emulatorHint explains the failure of the invalid cases when a function
// error of the process function under the emulator is read as a result.
const emulatorHint = "\n(ServiceError with serviceError States.QueryEvaluationError at Process means the process " +
	"function's ValidationError, which the emulator returns as HTTP 200 without X-Amz-Function-Error, was read as " +
	"its result: the functions' task.Config needs Emulators when AWS_ENDPOINT_URL_LAMBDA is set)"

// failureLog describes the failure events of a history, for messages.
func failureLog(events []sfntypes.HistoryEvent) string {
	var b strings.Builder
	for _, e := range events {
		if d := e.TaskFailedEventDetails; d != nil {
			fmt.Fprintf(&b, "\n  #%d TaskFailed %s: %s", e.Id, aws.ToString(d.Error), aws.ToString(d.Cause))
		}
		if d := e.ExecutionFailedEventDetails; d != nil {
			fmt.Fprintf(&b, "\n  #%d ExecutionFailed %s: %s", e.Id, aws.ToString(d.Error), aws.ToString(d.Cause))
		}
	}
	return b.String()
}

// taskFailures lists the error names of the TaskFailed events.
func taskFailures(events []sfntypes.HistoryEvent) []string {
	var out []string
	for _, e := range events {
		if e.Type == sfntypes.HistoryEventTypeTaskFailed && e.TaskFailedEventDetails != nil {
			out = append(out, aws.ToString(e.TaskFailedEventDetails.Error))
		}
	}
	return out
}
