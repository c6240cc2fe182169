package awsfake

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// Failure codes SNSServer can answer with (SNSServer.FailNext).
const (
	// SNSThrottling: "The request was denied due to request throttling",
	// HTTP 400, a common error of every action
	// (https://docs.aws.amazon.com/sns/latest/api/CommonErrors.html).
	SNSThrottling = "Throttling"
	// SNSAuthorizationError: "Indicates that the user has been denied
	// access to the requested resource", HTTP 403
	// (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html#API_Publish_Errors).
	SNSAuthorizationError = "AuthorizationError"
	// SNSNotFound: "Indicates that the requested resource does not exist",
	// HTTP 404 (same page). Publish to a topic never added answers it too.
	SNSNotFound = "NotFound"
)

var snsErrorStatus = map[string]int{SNSThrottling: 400, SNSAuthorizationError: 403, SNSNotFound: 404}

// SNSMessage is one accepted Publish.
type SNSMessage struct {
	TopicArn string
	Subject  string
	Message  string
}

// SNSServer is an Amazon SNS stand-in for Publish over the query protocol:
// form-encoded POST with Action=Publish, Version=2010-03-31, TopicArn,
// Message, Subject; XML answers
// (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html, its
// request parameters, response elements and errors; the error document of
// https://docs.aws.amazon.com/sns/latest/api/CommonErrors.html).
type SNSServer struct {
	URL string

	mu        sync.Mutex
	topics    map[string]bool
	published []SNSMessage
	failNext  []string
	calls     int
}

// StartSNS starts the fake; it stops when the test ends.
func StartSNS(t testing.TB) *SNSServer {
	s := &SNSServer{topics: map[string]bool{}}
	s.URL = serve(t, s.serve)
	return s
}

// Env points the AWS SDK of this process at the fake (AWS_ENDPOINT_URL_SNS)
// with dummy credentials, for the rest of the test.
func (s *SNSServer) Env(t testing.TB) {
	setEnv(t, s.URL, "", "AWS_ENDPOINT_URL_SNS")
}

// AddTopic makes a topic exist.
func (s *SNSServer) AddTopic(arn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.topics[arn] = true
}

// FailNext makes the next n Publish calls fail with code.
func (s *SNSServer) FailNext(code string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failNext = append(s.failNext, code)
	}
}

// Messages are the accepted publishes, in order.
func (s *SNSServer) Messages() []SNSMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SNSMessage(nil), s.published...)
}

// Calls counts Publish requests, failed ones included.
func (s *SNSServer) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func (s *SNSServer) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		snsError(w, 400, "InvalidParameter", "expected a form-encoded POST")
		return
	}
	// Requests are SigV4-signed: unsigned ones are refused with 403
	// (https://docs.aws.amazon.com/sns/latest/api/CommonErrors.html,
	// MissingAuthenticationToken).
	if r.Header.Get("Authorization") == "" {
		snsError(w, 403, "MissingAuthenticationToken", "Request is missing Authentication Token")
		return
	}
	if a := r.Form.Get("Action"); a != "Publish" {
		snsError(w, 400, "InvalidAction", fmt.Sprintf("The action %s is not valid for this web service.", a))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if len(s.failNext) > 0 {
		code := s.failNext[0]
		s.failNext = s.failNext[1:]
		snsError(w, snsErrorStatus[code], code, "fake failure "+code)
		return
	}
	msg := SNSMessage{TopicArn: r.Form.Get("TopicArn"), Subject: r.Form.Get("Subject"), Message: r.Form.Get("Message")}
	if !s.topics[msg.TopicArn] {
		snsError(w, 404, SNSNotFound, "Topic does not exist")
		return
	}
	// Message is required; Subject must be ASCII, under 100 characters
	// (API_Publish.html, Request Parameters).
	if msg.Message == "" || len(msg.Subject) >= 100 {
		snsError(w, 400, "InvalidParameter", "Invalid parameter: Message or Subject")
		return
	}
	s.published = append(s.published, msg)
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <PublishResult><MessageId>%s</MessageId></PublishResult>
  <ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata>
</PublishResponse>`, randomID(), randomID())
}

// snsError writes the query protocol's error document.
func snsError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	var esc strings.Builder
	_ = xml.EscapeText(&esc, []byte(msg))
	fmt.Fprintf(w, `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>
  <RequestId>%s</RequestId>
</ErrorResponse>`, code, esc.String(), randomID())
}

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
