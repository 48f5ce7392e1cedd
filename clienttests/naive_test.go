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
	// onlyGetUserToken parses carefully but knows no other login: an old
	// server without getUserToken (404) leaves it with nothing.
	onlyGetUserToken = clienttests.ClientFunc(func(ctx context.Context, env clienttests.Env) (string, error) {
		body, res, err := getUserToken(ctx, http.DefaultClient, env)
		if err != nil || res.StatusCode != 200 || !strings.HasPrefix(body, `"`) || body == `"0"` {
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

// naive are the naive clients and what each must be caught doing.
var naive = []struct {
	name        string
	client      clienttests.Client
	wantReasons []string
}{
	{"one that prints the body, as the vendor's samples do", printsBody, []string{
		`demo login: handed back the token with its quotes`,
		`the vendor's own error: handed back "\"0\"" as a token where the login must fail`}},
	{"one that takes \"0\" for a token", zeroIsAToken, []string{
		`wrong password: handed back "0" as a token where the login must fail`}},
	{"one that knows only getUserToken", onlyGetUserToken, []string{`old server without getUserToken (404): fall back to UserLogin: `}},
	{"one with no timeout", noTimeout, []string{`no answer (timeout): did not finish within the 6s deadline`}},
	{"one that retries for ever", retryForever, []string{`503 twice then recovery: retried `, ` ms after Retry-After: 1`, `requests (at most 5)`}},
}

var _ = Describe("naive clients", Ordered, func() {
	// Every naive client runs the whole getUserToken table at once (the
	// cases share nothing); each entry then judges one client's results.
	failures := make([][]string, len(naive))
	BeforeAll(func() {
		cases, err := clienttests.Cases("ucontact", "getUserToken")
		Expect(err).NotTo(HaveOccurred())
		var wg sync.WaitGroup
		for i, n := range naive {
			wg.Go(func() {
				for _, r := range clienttests.RunCases(context.Background(), cases, n.client, clienttests.Concurrency) {
					if !r.Passed {
						failures[i] = append(failures[i], r.Case.Name+": "+r.Reason)
					}
				}
			})
		}
		wg.Wait()
	})

	for i, n := range naive {
		It("fail the getUserToken suite: "+n.name, func() {
			GinkgoWriter.Println(strings.Join(failures[i], "\n"))
			Expect(failures[i]).NotTo(BeEmpty())
			for _, want := range n.wantReasons {
				Expect(strings.Join(failures[i], "\n")).To(ContainSubstring(want))
			}
		})
	}
})

// Naive clients of a call after login (the wallboard's campaignstatus).

// wallboardCall sends campaignstatus with a token as Basic.
func wallboardCall(ctx context.Context, env clienttests.Env, tok string) (int, error) {
	req, _ := http.NewRequestWithContext(ctx, "POST", env.BaseURL+"/Integra/resources/Supervisor/campaignstatus", strings.NewReader("queue="))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Basic "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, nil
}

func endSession(ctx context.Context, env clienttests.Env, tok string) {
	form := url.Values{"user": {env.Creds["user"]}, "token": {tok}}
	req, _ := http.NewRequestWithContext(ctx, "POST", env.BaseURL+"/Integra/resources/auth/EndSession", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
	}
}

// wallboard is a flow client: login (read as read does), calls, end.
func wallboard(read func(string) (string, error), reloginsPerCall int) clienttests.Client {
	return clienttests.ClientFunc(func(ctx context.Context, env clienttests.Env) (string, error) {
		login := func() (string, error) {
			body, _, err := getUserToken(ctx, http.DefaultClient, env)
			if err != nil {
				return "", err
			}
			return read(body)
		}
		tok, err := login()
		if err != nil {
			return "", err
		}
		for range env.Calls {
			status, err := wallboardCall(ctx, env, tok)
			for tries := 0; err == nil && status == 401 && tries < reloginsPerCall; tries++ {
				if tok, err = login(); err == nil {
					status, err = wallboardCall(ctx, env, tok)
				}
			}
			if err != nil || status != 200 {
				return "", io.ErrUnexpectedEOF
			}
		}
		endSession(ctx, env, tok)
		return tok, nil
	})
}

var (
	// reloginStorm logs in again at once on every 401, up to five times a call.
	reloginStorm = wallboard(func(body string) (string, error) {
		if body == `"0"` {
			return "", io.ErrUnexpectedEOF
		}
		return strings.Trim(body, `"`), nil
	}, 5)
	// storesZero keeps whatever the login answered, "0" included.
	storesZero = wallboard(func(body string) (string, error) { return strings.Trim(body, `"`), nil }, 1)
)

var _ = Describe("naive clients of a call after login", func() {
	cases, err := clienttests.Cases("ucontact", "campaignstatus")
	if err != nil {
		panic(err)
	}
	for _, n := range []struct {
		name   string
		client clienttests.Client
		want   string
	}{
		{"one that logs in again at once on every 401", reloginStorm,
			"every call refused: log in again once, then give up without a storm of logins: logged in again after every refused call, without backing off ("},
		{`one that keeps "0" as its token`, storesZero,
			`the login answers the vendor's error: never send it as a token: sent "0" as its token`},
	} {
		It("fail the campaignstatus flow: "+n.name, func() {
			var failures []string
			for _, r := range clienttests.RunCases(context.Background(), cases, n.client, clienttests.Concurrency) {
				if !r.Passed {
					failures = append(failures, r.Case.Name+": "+r.Reason)
				}
			}
			GinkgoWriter.Println(strings.Join(failures, "\n"))
			Expect(strings.Join(failures, "\n")).To(ContainSubstring(n.want))
		})
	}
})
