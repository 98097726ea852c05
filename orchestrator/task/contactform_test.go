package task_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/functions/process/contactform"
	"github.com/stepwise-dev/stepwise/orchestrator/asl"
	"github.com/stepwise-dev/stepwise/orchestrator/internal/value"
	"github.com/stepwise-dev/stepwise/orchestrator/interp"
	"github.com/stepwise-dev/stepwise/orchestrator/task"
	"github.com/stepwise-dev/stepwise/orchestrator/task/boltdynamo"
)

const processARN = "arn:aws:lambda:us-east-1:123456789012:function:process"

// contactForm is one environment the contact form runs in.
type contactForm struct {
	router *task.Router
	table  string
	// item reads the stored contact.
	item func(t *testing.T, pk string) map[string]ddbtypes.AttributeValue
	// mail reads a sent message back: From, Reply-To, To, Subject.
	mail func(t *testing.T, messageID string) []string
}

func processFunctions() map[string]task.Function {
	h := &contactform.Handler{Sender: "forms@example.com", Recipient: "team@example.com"}
	return map[string]task.Function{"process": task.FromHandler(h.Handle)}
}

func localContactForm(t *testing.T) contactForm {
	dir := t.TempDir()
	r, err := task.New(&task.Config{LocalDir: dir, Functions: processFunctions()})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, r.Close()) })
	require.NoError(t, r.LocalDynamoDB().CreateTable("contacts", boltdynamo.KeySchema{PartitionKey: "pk", PartitionKeyType: "S"}))
	return contactForm{router: r, table: "contacts",
		item: func(t *testing.T, pk string) map[string]ddbtypes.AttributeValue {
			out, err := r.LocalDynamoDB().GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String("contacts"),
				Key: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: pk}}})
			require.NoError(t, err)
			return out.Item
		},
		mail: func(t *testing.T, messageID string) []string {
			matches, err := filepath.Glob(filepath.Join(dir, "outbox", "*-"+messageID+".eml"))
			require.NoError(t, err)
			require.Len(t, matches, 1)
			data, err := os.ReadFile(matches[0])
			require.NoError(t, err)
			msg, err := mail.ReadMessage(bytes.NewReader(data))
			require.NoError(t, err)
			var dec mime.WordDecoder
			subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
			require.NoError(t, err)
			return []string{msg.Header.Get("From"), msg.Header.Get("Reply-To"), msg.Header.Get("To"), subject}
		}}
}

func awsContactForm(t *testing.T) contactForm {
	ses := os.Getenv("AWS_ENDPOINT_URL_SESV2")
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"))
	require.NoError(t, err)
	r, err := task.New(&task.Config{AWS: &cfg, Local: []task.Service{task.ServiceLambda}, Functions: processFunctions(), Emulators: true})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, r.Close()) })
	client := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
	table := fmt.Sprintf("contacts-%d", time.Now().UnixNano())
	_, err = client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	})
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(table)})
	})
	return contactForm{router: r, table: table,
		item: func(t *testing.T, pk string) map[string]ddbtypes.AttributeValue {
			out, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true),
				Key: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: pk}}})
			require.NoError(t, err)
			return out.Item
		},
		mail: func(t *testing.T, messageID string) []string {
			resp, err := http.Get(ses + "/store")
			require.NoError(t, err)
			defer resp.Body.Close()
			var store struct {
				Emails []struct {
					MessageID   string `json:"messageId"`
					From        string
					ReplyTo     []string
					Destination struct{ To []string }
					Subject     string
				}
			}
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&store))
			for _, e := range store.Emails {
				if e.MessageID == messageID {
					return []string{e.From, strings.Join(e.ReplyTo, ", "), strings.Join(e.Destination.To, ", "), e.Subject}
				}
			}
			t.Fatalf("message %s is not in aws-ses-v2-local's store", messageID)
			return nil
		}}
}

func TestContactFormLocal(t *testing.T) {
	t.Parallel()
	runContactForm(t, localContactForm(t))
}

// TestContactFormAWS runs Store and Notify against DynamoDB Local and
// aws-ses-v2-local (Process in-process).
func TestContactFormAWS(t *testing.T) {
	t.Parallel()
	if os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") == "" || os.Getenv("AWS_ENDPOINT_URL_SESV2") == "" {
		t.Skip("AWS_ENDPOINT_URL_DYNAMODB or AWS_ENDPOINT_URL_SESV2 is not set: skipping the contact form against DynamoDB Local and aws-ses-v2-local")
	}
	runContactForm(t, awsContactForm(t))
}

// runContactForm runs statemachines/contact-form.asl.json, with its
// DefinitionSubstitutions filled, through the router: a valid form is
// stored and mailed; the same submission again is a duplicate (the
// conditional put fails and is caught) and is mailed again; an invalid form
// fails with ValidationError naming the fields.
func runContactForm(t *testing.T, env contactForm) {
	def, err := os.ReadFile(filepath.Join("..", "..", "statemachines", "contact-form.asl.json"))
	require.NoError(t, err)
	def = bytes.ReplaceAll(def, []byte("${ProcessFunctionArn}"), []byte(processARN))
	def = bytes.ReplaceAll(def, []byte("${ContactsTableName}"), []byte(env.table))
	sm, err := asl.ParseWithOptions(def, asl.ParseOptions{KnownResource: task.Known})
	require.NoError(t, err, "every resource of the contact form is known")
	m := interp.NewMachine(sm)

	run := func(event string) *interp.Result {
		t.Helper()
		data, err := os.ReadFile(filepath.Join("..", "..", "events", event+".json"))
		require.NoError(t, err)
		input, err := value.Decode(data)
		require.NoError(t, err)
		ex := &interp.Execution{ARN: "arn:aws:states:us-east-1:123456789012:execution:contact-form:" + event,
			Name: event, StateMachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:contact-form",
			StateMachineName: "contact-form", StartTime: time.Now().UTC(), Input: input, Type: asl.TypeStandard}
		res, err := interp.Run(context.Background(), m, ex, interp.RunOptions{Tasks: env.router})
		require.NoError(t, err)
		return res
	}

	first := run("process-valid")
	require.Equal(t, "SUCCEEDED", first.Status, "error %v", first.Error)
	out := first.Output.(map[string]any)
	messageID, _ := out["messageId"].(string)
	require.NotEmpty(t, messageID)
	require.Equal(t, map[string]any{"status": "accepted", "id": "73b6303d1ff6d506c2c6c714159dad55",
		"receivedAt": "2025-01-15T11:30:00Z", "messageId": messageID, "duplicate": false}, out)

	item := env.item(t, "CONTACT#73b6303d1ff6d506c2c6c714159dad55")
	require.Equal(t, &ddbtypes.AttributeValueMemberS{Value: "Ada Lovelace"}, item["name"])
	require.Equal(t, &ddbtypes.AttributeValueMemberS{Value: "ada@example.com"}, item["email"])
	got := env.mail(t, messageID)
	require.Equal(t, "forms@example.com", got[0])
	require.Equal(t, "ada@example.com", got[1])
	require.Equal(t, "team@example.com", got[2])
	require.Contains(t, got[3], "Ada Lovelace")

	again := run("process-valid")
	require.Equal(t, "SUCCEEDED", again.Status, "error %v", again.Error)
	require.Equal(t, true, again.Output.(map[string]any)["duplicate"], "the second Store fails its condition and is caught")

	invalid := run("process-invalid")
	require.Equal(t, "FAILED", invalid.Status)
	require.Equal(t, "ValidationError", invalid.Error.Name)
	want, err := os.ReadFile(filepath.Join("..", "..", "statemachines", "testdata", "contact-form", "InvalidForm.want.json"))
	require.NoError(t, err)
	var golden struct{ Cause string }
	require.NoError(t, json.Unmarshal(want, &golden))
	require.JSONEq(t, golden.Cause, invalid.Error.Cause, "the same failure as the mocked run recorded")
}
