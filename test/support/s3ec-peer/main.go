// Command s3ec-peer writes and reads client-side encrypted S3 objects with AWS's own
// S3 Encryption Client for Go (aws-sdk-go v1, service/s3/s3crypto: EncryptionClientV2
// and DecryptionClientV2), so gluekit's tests can check that both sides read what the
// other wrote. It is test support only, built by test/support/s3ec-peer.ts.
//
//	s3ec-peer put --s3-endpoint URL --kms-endpoint URL --region R --bucket B --key K \
//	    --kms-key-id ID [--context k=v ...] [--instruction-file] [--in FILE]
//	s3ec-peer get --s3-endpoint URL --kms-endpoint URL --region R --bucket B --key K \
//	    [--kms-key-id ID] [--out FILE]
//
// Credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN
// only: the shared profile files of whoever runs the tests must not leak in. Failures
// print one line on stderr and exit 1; usage errors exit 2.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"io/ioutil"
	"os"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/credentials"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/kms"
	"github.com/aws/aws-sdk-go/service/s3"
	"github.com/aws/aws-sdk-go/service/s3/s3crypto"
)

// contextEntries collects repeated --context k=v flags.
type contextEntries map[string]string

func (c contextEntries) String() string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+c[k])
	}
	return strings.Join(parts, ",")
}

func (c contextEntries) Set(entry string) error {
	eq := strings.IndexByte(entry, '=')
	if eq <= 0 {
		return fmt.Errorf("expected k=v, got %q", entry)
	}
	c[entry[:eq]] = entry[eq+1:]
	return nil
}

type endpoints struct {
	s3, kms, region string
}

func (e *endpoints) register(flags *flag.FlagSet) {
	flags.StringVar(&e.s3, "s3-endpoint", "", "S3 endpoint URL, addressed path style (required)")
	flags.StringVar(&e.kms, "kms-endpoint", "", "KMS endpoint URL (required)")
	flags.StringVar(&e.region, "region", "us-east-1", "region to sign requests for")
}

func (e *endpoints) check() error {
	if e.s3 == "" || e.kms == "" {
		return fmt.Errorf("--s3-endpoint and --kms-endpoint are required")
	}
	return nil
}

// clients builds the S3 session and the KMS client. Both endpoints are set explicitly:
// this SDK version predates AWS_ENDPOINT_URL, and the local endpoints (moto, gluekit kms
// serve) serve buckets as paths, not as virtual hosts.
func (e *endpoints) clients() (*session.Session, *kms.KMS, error) {
	base := aws.NewConfig().
		WithRegion(e.region).
		WithCredentials(credentials.NewEnvCredentials()).
		WithMaxRetries(0)
	sess, err := session.NewSessionWithOptions(session.Options{
		Config:            *base.Copy().WithEndpoint(e.s3).WithS3ForcePathStyle(true),
		SharedConfigState: session.SharedConfigDisable,
	})
	if err != nil {
		return nil, nil, err
	}
	return sess, kms.New(sess, base.Copy().WithEndpoint(e.kms)), nil
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "put":
		err = put(os.Args[2:])
	case "get":
		err = get(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "s3ec-peer %s: %s\n", os.Args[1], oneLine(err.Error()))
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: s3ec-peer put|get --s3-endpoint URL --kms-endpoint URL --bucket B --key K [options]")
	os.Exit(2)
}

// oneLine keeps an SDK error (which nests its causes over several lines) on one line for test messages.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func put(args []string) error {
	flags := flag.NewFlagSet("put", flag.ExitOnError)
	var ep endpoints
	ep.register(flags)
	bucket := flags.String("bucket", "", "bucket (required)")
	key := flags.String("key", "", "object key (required)")
	keyID := flags.String("kms-key-id", "", "KMS key that wraps the data key: id, ARN or alias (required)")
	input := flags.String("in", "-", "plaintext file; - for stdin")
	instructionFile := flags.Bool("instruction-file", false, "put the envelope in <key>.instruction instead of the object metadata")
	context := contextEntries{}
	flags.Var(context, "context", "extra encryption context entry k=v (repeatable)")
	flags.Parse(args)
	if err := ep.check(); err != nil {
		return err
	}
	if *bucket == "" || *key == "" || *keyID == "" {
		return fmt.Errorf("--bucket, --key and --kms-key-id are required")
	}

	plaintext, err := readInput(*input)
	if err != nil {
		return err
	}
	sess, kmsClient, err := ep.clients()
	if err != nil {
		return err
	}

	// In this SDK the extra encryption context is the generator's material description:
	// it becomes the KMS encryption context (with aws:x-amz-cek-alg added) and x-amz-matdesc.
	// There is no per-request context option, so each put builds its own generator.
	var matdesc s3crypto.MaterialDescription
	if len(context) > 0 {
		matdesc = s3crypto.MaterialDescription{}
		for k, v := range context {
			matdesc[k] = aws.String(v)
		}
	}
	generator := s3crypto.NewKMSContextKeyGenerator(kmsClient, *keyID, matdesc)
	builder := s3crypto.AESGCMContentCipherBuilderV2(generator)
	client, err := s3crypto.NewEncryptionClientV2(sess, builder, func(options *s3crypto.EncryptionClientOptions) {
		if *instructionFile {
			options.SaveStrategy = s3crypto.S3SaveStrategy{Client: s3.New(sess)}
		}
	})
	if err != nil {
		return err
	}
	_, err = client.PutObject(&s3.PutObjectInput{
		Bucket: aws.String(*bucket),
		Key:    aws.String(*key),
		Body:   bytes.NewReader(plaintext),
	})
	return err
}

func get(args []string) error {
	flags := flag.NewFlagSet("get", flag.ExitOnError)
	var ep endpoints
	ep.register(flags)
	bucket := flags.String("bucket", "", "bucket (required)")
	key := flags.String("key", "", "object key (required)")
	keyID := flags.String("kms-key-id", "", "when given, the data key must have been wrapped by this KMS key")
	output := flags.String("out", "-", "plaintext file; - for stdout")
	flags.Parse(args)
	if err := ep.check(); err != nil {
		return err
	}
	if *bucket == "" || *key == "" {
		return fmt.Errorf("--bucket and --key are required")
	}

	sess, kmsClient, err := ep.clients()
	if err != nil {
		return err
	}
	// Only what a V2 client reads by default: kms+context and AES/GCM. Legacy formats
	// (wrap kms, AES/CBC) would need registering on purpose, as AWS recommends against it.
	registry := s3crypto.NewCryptoRegistry()
	if *keyID != "" {
		err = s3crypto.RegisterKMSContextWrapWithCMK(registry, kmsClient, *keyID)
	} else {
		err = s3crypto.RegisterKMSContextWrapWithAnyCMK(registry, kmsClient)
	}
	if err != nil {
		return err
	}
	if err := s3crypto.RegisterAESGCMContentCipher(registry); err != nil {
		return err
	}
	client, err := s3crypto.NewDecryptionClientV2(sess, registry)
	if err != nil {
		return err
	}
	out, err := client.GetObject(&s3.GetObjectInput{Bucket: aws.String(*bucket), Key: aws.String(*key)})
	if err != nil {
		return err
	}
	defer out.Body.Close()
	// The GCM reader authenticates the whole object before its first Read returns, so a
	// tampered object fails here, before any plaintext is written.
	plaintext, err := ioutil.ReadAll(out.Body)
	if err != nil {
		return err
	}
	return writeOutput(*output, plaintext)
}

func readInput(path string) ([]byte, error) {
	if path == "-" {
		return ioutil.ReadAll(os.Stdin)
	}
	return ioutil.ReadFile(path)
}

func writeOutput(path string, data []byte) error {
	if path == "-" {
		_, err := io.Copy(os.Stdout, bytes.NewReader(data))
		return err
	}
	return ioutil.WriteFile(path, data, 0o600)
}
