package statemachines_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/stretchr/testify/require"

	"github.com/stepwise-dev/stepwise/cmd/stepwise/cli"
)

// TestContactFormArgumentsOnAWS takes the Arguments that the definition
// builds for Store and Notify (from the execution history of a mocked run)
// and sends them to DynamoDB Local and aws-ses-v2-local with the AWS SDK:
// the real services accept them, and a second Store of the same submission
// fails with ConditionalCheckFailedException, which the definition treats as
// already stored. Skips unless AWS_ENDPOINT_URL_DYNAMODB and
// AWS_ENDPOINT_URL_SESV2 are set (make test sets them).
func TestContactFormArgumentsOnAWS(t *testing.T) {
	t.Parallel()
	ddbURL, sesURL := os.Getenv("AWS_ENDPOINT_URL_DYNAMODB"), os.Getenv("AWS_ENDPOINT_URL_SESV2")
	if ddbURL == "" || sesURL == "" {
		t.Skip("AWS_ENDPOINT_URL_DYNAMODB or AWS_ENDPOINT_URL_SESV2 is not set: skipping the AWS-compatible tests")
	}
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"))
	require.NoError(t, err)

	params := scheduledParameters(t, "ValidForm", "process-valid")

	t.Run("Store", func(t *testing.T) {
		t.Parallel()
		client := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
			o.DisableValidateResponseChecksum = true // DynamoDB Local's error replies lack X-Amz-Crc32
		})
		table := contactsTable(t, client)

		var p struct {
			TableName           string
			ConditionExpression string
			Item                map[string]map[string]string
		}
		require.NoError(t, json.Unmarshal(params["putItem"], &p))
		require.Equal(t, "${ContactsTableName}", p.TableName, "filled by DefinitionSubstitutions on deploy")
		item := map[string]ddbtypes.AttributeValue{}
		for name, av := range p.Item {
			s, ok := av["S"]
			require.True(t, ok && len(av) == 1, "attribute %s: want a string attribute, got %v", name, av)
			item[name] = &ddbtypes.AttributeValueMemberS{Value: s}
		}
		put := &dynamodb.PutItemInput{
			TableName:           aws.String(table),
			Item:                item,
			ConditionExpression: aws.String(p.ConditionExpression),
		}
		_, err := client.PutItem(ctx, put)
		require.NoError(t, err)

		_, err = client.PutItem(ctx, put)
		var ccf *ddbtypes.ConditionalCheckFailedException
		require.True(t, errors.As(err, &ccf), "second put of the same submission: got %v, want ConditionalCheckFailedException", err)

		got, err := client.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String(table), Key: map[string]ddbtypes.AttributeValue{"pk": item["pk"]}, ConsistentRead: aws.Bool(true),
		})
		require.NoError(t, err)
		require.Equal(t, &ddbtypes.AttributeValueMemberS{Value: "Ada Lovelace"}, got.Item["name"])
	})

	t.Run("Notify", func(t *testing.T) {
		t.Parallel()
		client := sesv2.NewFromConfig(cfg)
		var in sesv2.SendEmailInput // the Arguments use the API's own field names
		require.NoError(t, json.Unmarshal(params["sendEmail"], &in))
		subject := fmt.Sprintf("%s [%d]", aws.ToString(in.Content.Simple.Subject.Data), time.Now().UnixNano())
		in.Content.Simple.Subject.Data = aws.String(subject)

		out, err := client.SendEmail(ctx, &in)
		require.NoError(t, err)
		require.NotEmpty(t, aws.ToString(out.MessageId))

		mail := sentEmail(t, sesURL, subject)
		require.Equal(t, "forms@example.com", mail.From)
		require.Equal(t, []string{"ada@example.com"}, mail.ReplyTo)
		require.Equal(t, []string{"team@example.com"}, mail.Destination.To)
		require.Contains(t, mail.Body.HTML, "about &lt;stepwise&gt; &amp; its")
		require.Contains(t, mail.Body.Text, "about <stepwise> & its")
	})
}

// scheduledParameters runs a mocked test case and returns the parameters
// of each TaskScheduled event, keyed by resource (putItem, sendEmail, ...).
func scheduledParameters(t *testing.T, testCase, event string) map[string]json.RawMessage {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Main(context.Background(), []string{"run", "--history",
		"--name", "contact-form", "--mock-config", mocks, "--test-case", testCase,
		definition, filepath.Join("..", "events", event+".json"),
	}, nil, &stdout, &stderr)
	require.Equal(t, 0, code, "stdout %s stderr %s", stdout.String(), stderr.String())
	var result struct {
		History []struct {
			Type    string
			Details *struct {
				Resource   string
				Parameters string
			} `json:"taskScheduledEventDetails"`
		}
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &result))
	params := map[string]json.RawMessage{}
	for _, e := range result.History {
		if e.Type == "TaskScheduled" && e.Details != nil {
			params[e.Details.Resource] = json.RawMessage(e.Details.Parameters)
		}
	}
	require.Contains(t, params, "putItem")
	require.Contains(t, params, "sendEmail")
	return params
}

// contactsTable creates the contacts table as the SAM template declares it
// (partition key pk, a string), deleted in t.Cleanup.
func contactsTable(t *testing.T, client *dynamodb.Client) string {
	t.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("contacts-test-%d", time.Now().UnixNano())
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	})
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
		require.NoError(t, err)
	})
	return name
}

type storedEmail struct {
	From        string
	ReplyTo     []string
	Destination struct{ To []string }
	Subject     string
	Body        struct{ HTML, Text string }
}

// sentEmail finds the e-mail with subject in aws-ses-v2-local's store.
func sentEmail(t *testing.T, sesURL, subject string) storedEmail {
	t.Helper()
	resp, err := http.Get(strings.TrimRight(sesURL, "/") + "/store")
	require.NoError(t, err)
	defer resp.Body.Close()
	var store struct{ Emails []storedEmail }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&store))
	for _, m := range store.Emails {
		if m.Subject == subject {
			return m
		}
	}
	t.Fatalf("no e-mail with subject %q among %d sent", subject, len(store.Emails))
	return storedEmail{}
}
