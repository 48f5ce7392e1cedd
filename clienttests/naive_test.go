package clienttests_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/mockauth/mockauth/clienttests"
)

// Naive uContact clients, written as copies of the vendor's samples are.

// getUserToken posts the login form with the given HTTP client.
func getUserToken(ctx context.Context, c *http.Client, env clienttests.Env) (string, *http.Response, error) {
	form := url.Values{"user": {env.Creds["user"]}, "password": {env.Creds["password"]}}
	req, _ := http.NewRequestWithContext(ctx, "POST", env.BaseURL+"/Integra/resources/auth/getUserToken", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.Do(req)
	if err != nil {
		return "", nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return string(body), res, err
}

var (
	// printsBody hands back whatever came back, as the page's samples print it.
	printsBody = clienttests.ClientFunc(func(ctx context.Context, env clienttests.Env) (string, error) {
		body, _, err := getUserToken(ctx, http.DefaultClient, env)
		return body, err
	})
	// zeroIsAToken strips the quotes and trusts the rest, "0" included.
	zeroIsAToken = clienttests.ClientFunc(func(ctx context.Context, env clienttests.Env) (string, error) {
		body, _, err := getUserToken(ctx, http.DefaultClient, env)
		return strings.Trim(body, `"`), err
	})
	// noTimeout parses carefully but waits for ever for an answer.
	noTimeout = clienttests.ClientFunc(func(_ context.Context, env clienttests.Env) (string, error) {
		body, _, err := getUserToken(context.Background(), &http.Client{}, env)
		if err != nil || body == `"0"` || body == "0" || !strings.HasPrefix(body, `"`) {
			return "", io.ErrUnexpectedEOF
		}
		return strings.Trim(body, `"`), nil
	})
	// retryForever tries again at once until it gets something token-like.
	retryForever = clienttests.ClientFunc(func(ctx context.Context, env clienttests.Env) (string, error) {
		for ctx.Err() == nil {
			body, res, err := getUserToken(ctx, &http.Client{}, env)
			if err == nil && res.StatusCode == 200 && strings.HasPrefix(body, `"`) {
				return strings.Trim(body, `"`), nil
			}
		}
		return "", ctx.Err()
	})
)

// runConcurrently runs a whole endpoint table for a client, each case on its
// own stack, at once (the cases share nothing).
func runConcurrently(client clienttests.Client) []clienttests.Result {
	cases, err := clienttests.Cases("ucontact", "getUserToken")
	Expect(err).NotTo(HaveOccurred())
	results := make([]clienttests.Result, len(cases))
	var wg sync.WaitGroup
	for i, c := range cases {
		wg.Go(func() { results[i] = clienttests.Run(context.Background(), c, client) })
	}
	wg.Wait()
	return results
}

var _ = Describe("naive clients", func() {
	DescribeTable("fail the getUserToken suite",
		func(client clienttests.Client, wantReasons ...string) {
			var failures []string
			for _, r := range runConcurrently(client) {
				if !r.Passed {
					failures = append(failures, r.Case.Name+": "+r.Reason)
				}
			}
			GinkgoWriter.Println(strings.Join(failures, "\n"))
			Expect(failures).NotTo(BeEmpty())
			for _, want := range wantReasons {
				Expect(strings.Join(failures, "\n")).To(ContainSubstring(want))
			}
		},
		Entry("one that prints the body, as the vendor's samples do", printsBody,
			`demo login: handed back the token with its quotes`,
			`the vendor's own error: handed back "\"0\"" as a token where the login must fail`),
		Entry("one that takes \"0\" for a token", zeroIsAToken,
			`wrong password: handed back "0" as a token where the login must fail`),
		Entry("one with no timeout", noTimeout, `no answer (timeout): did not finish within the 6s deadline`),
		Entry("one that retries for ever", retryForever, `503 twice then recovery: retried `, ` ms after Retry-After: 1`, `requests (at most 5)`),
	)
})
