package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// webhook POSTs {"text": ..., "event": ..., "job": ..., ...}: text is the
// field Slack, Mattermost, Teams' and most chat tools' incoming webhooks
// show; the others are for programs.
type webhook struct {
	url    string
	client *http.Client
	opts   Options
}

func newWebhook(u string, opts Options) (*webhook, error) {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		// Not echoed: a webhook's path is often its secret.
		return nil, errors.New("webhook is not an http:// or https:// URL with a host")
	}
	return &webhook{url: u, client: httpClient(opts), opts: opts}, nil
}

// httpClient bounds the connection (dial, TLS) by ConnectTimeout and the
// wait for an answer by IOTimeout.
func httpClient(opts Options) *http.Client {
	return &http.Client{
		Timeout: opts.IOTimeout,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: opts.ConnectTimeout}).DialContext,
			TLSHandshakeTimeout:   opts.ConnectTimeout,
			ResponseHeaderTimeout: opts.IOTimeout,
		},
	}
}

type webhookBody struct {
	Text string `json:"text"`
	Event
}

func (w *webhook) send(ctx context.Context, e Event, text string) error {
	body, err := json.Marshal(webhookBody{Text: text, Event: e})
	if err != nil {
		return err
	}
	return withRetries(ctx, w.opts, func() (bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
		if err != nil {
			return false, err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := w.client.Do(req)
		if err != nil {
			var uerr *url.Error
			if errors.As(err, &uerr) {
				err = uerr.Err // the URL may hold a secret token
			}
			return ctx.Err() == nil, fmt.Errorf("webhook %s: %w", targetName(w.url), err)
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		_ = resp.Body.Close()
		if resp.StatusCode/100 == 2 {
			return false, nil
		}
		retryable := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
		return retryable, fmt.Errorf("webhook %s answered %s", targetName(w.url), resp.Status)
	})
}

// withRetries calls try up to opts.Attempts times while it reports a retryable
// error, pausing Backoff, then twice as long, between attempts.
func withRetries(ctx context.Context, opts Options, try func() (retryable bool, err error)) error {
	pause := opts.Backoff
	var err error
	for attempt := 1; ; attempt++ {
		var again bool
		again, err = try()
		if err == nil || !again || attempt >= opts.Attempts {
			return err
		}
		opts.Logger.Debug("notification failed; retrying", "attempt", attempt, "error", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
		pause *= 2
	}
}
