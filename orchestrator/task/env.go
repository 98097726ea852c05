package task

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
)

// FromEnv returns a Router for `stepwise serve`: a service whose endpoint
// is set with the SDK's own variable (AWS_ENDPOINT_URL_LAMBDA,
// AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SESV2, AWS_ENDPOINT_URL_SQS, or
// AWS_ENDPOINT_URL for all) is called through the AWS SDK, configured from
// the environment as usual (credentials, AWS_REGION, default us-east-1),
// with Emulators set; every other service uses its local stand-in in
// localDir, creating tables and queues on first use. functions are the
// in-process Lambda functions.
func FromEnv(ctx context.Context, localDir string, functions map[string]Function) (*Router, error) {
	return fromEnv(ctx, os.Getenv, localDir, functions)
}

func fromEnv(ctx context.Context, getenv func(string) string, localDir string, functions map[string]Function) (*Router, error) {
	cfg := &Config{LocalDir: localDir, Functions: functions, AutoCreate: true}
	all := getenv("AWS_ENDPOINT_URL") != ""
	for _, s := range Services {
		if !all && getenv("AWS_ENDPOINT_URL_"+strings.ToUpper(string(s))) == "" {
			cfg.Local = append(cfg.Local, s)
		}
	}
	if len(cfg.Local) < len(Services) {
		awsCfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("loading the AWS configuration: %w", err)
		}
		if awsCfg.Region == "" {
			awsCfg.Region = "us-east-1"
		}
		cfg.AWS = &awsCfg
		cfg.Emulators = true
	}
	return New(cfg)
}
