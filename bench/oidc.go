package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// The OpenID Provider (go run ./bench -only oidc): the real binary with one
// member signed in on the pages and one confidential client made with
// "gatehouse client create"; then a whole sign-in round trip (/authorize,
// the sign-in step, the callback and the code exchange at /oauth/token),
// refresh-token rotation at /oauth/token (each client its own family) and
// userinfo with one access token. It prints the table.
const oidcRedirect = "http://127.0.0.1:9/cb" // never contacted: the bench reads Location

func runOIDC(ctx context.Context) int {
	started, loadStart := time.Now(), loadAvg()
	tmp, err := os.MkdirTemp("", "gatehouse-bench-")
	if err != nil {
		logf("temp dir: %v", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "gatehouse")
	logf("building ./cmd/gatehouse")
	if err := runCmd(ctx, "go", "build", "-o", bin, "./cmd/gatehouse"); err != nil {
		logf("build: %v", err)
		return 1
	}
	addr, err := freeAddr()
	if err != nil {
		logf("free port: %v", err)
		return 1
	}
	base := "http://" + addr
	env := map[string]string{"GATEHOUSE_DB": filepath.Join(tmp, "gatehouse.db"), "GATEHOUSE_ADDR": addr, "GATEHOUSE_BASE_URL": base,
		"GATEHOUSE_ENV": "dev", "GATEHOUSE_IP_RATE_LIMIT": "off"}
	if err := runBin(ctx, bin, env, "member", "create", "--email", ownerEmail, "--password", password, "--name", "Bench Owner", "--role", "owner"); err != nil {
		logf("member: %v", err)
		return 1
	}
	cmd := exec.CommandContext(ctx, bin, "client", "create", "--name", "Bench", "--redirect-uri", oidcRedirect, "--first-party", "--json")
	cmd.Env = subprocessEnv(env)
	out, err := cmd.Output()
	var client struct {
		ID     string `json:"client_id"`
		Secret string `json:"client_secret"`
	}
	if err != nil || json.Unmarshal(out, &client) != nil {
		logf("client create: %v %s", err, out)
		return 1
	}
	srv, err := startServer(ctx, bin, env, filepath.Join(tmp, "server.log"))
	if err != nil {
		logf("server: %v", err)
		return 1
	}
	defer srv.stop()
	jar, _ := cookiejar.New(nil)
	b := &bencher{ctx: ctx, base: base, pid: srv.cmd.Process.Pid, dur: *flagDuration, client: &http.Client{Timeout: 30 * time.Second, Jar: jar,
		Transport:     &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	defer b.client.CloseIdleConnections()
	o := &oidcBench{b: b, id: client.ID, secret: client.Secret}
	if err := o.signIn(); err != nil {
		logf("sign-in: %v", err)
		return 1
	}
	const families = 8
	refresh := make([]string, families)
	var access string
	for i := range refresh {
		t, err := o.roundTrip()
		if err != nil {
			logf("first tokens: %v", err)
			return 1
		}
		refresh[i], access = t.Refresh, t.Access
	}
	results := []Result{
		b.measure("OIDC sign-in round trip (/authorize → code → POST /oauth/token)", 4, func(int) error { _, err := o.roundTrip(); return err }),
		b.measure("OIDC refresh rotation (POST /oauth/token)", families, func(w int) error {
			t, err := o.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh[w]}})
			if err == nil {
				refresh[w] = t.Refresh
			}
			return err
		}),
		b.measure("OIDC userinfo (GET /userinfo)", 32, func(int) error {
			req, _ := http.NewRequest(http.MethodGet, base+"/userinfo", nil)
			req.Header.Set("Authorization", "Bearer "+access)
			_, err := b.do(req)
			return err
		}),
	}
	fmt.Printf("OpenID Provider, %s per scenario (%s UTC, load average %s → %s)\n\n", b.dur, started.UTC().Format("2006-01-02 15:04"), loadStart, loadAvg())
	writeTable(os.Stdout, results)
	for _, r := range results {
		if r.Errors > 0 {
			logf("%s: %d errors, first: %s", r.Scenario, r.Errors, r.FirstError)
			return 1
		}
	}
	return 0
}

type oidcBench struct {
	b          *bencher
	id, secret string
}

type oidcTokens struct {
	Access  string `json:"access_token"`
	Refresh string `json:"refresh_token"`
}

// signIn signs the bench's browser in through the login form.
func (o *oidcBench) signIn() error {
	body, err := o.b.do(mustReq(http.MethodGet, o.b.base+"/login", nil))
	if err != nil {
		return err
	}
	m := csrfRE.FindStringSubmatch(string(body))
	if m == nil {
		return fmt.Errorf("no _csrf on /login")
	}
	form := url.Values{"_csrf": {html.UnescapeString(m[1])}, "identifier": {ownerEmail}, "password": {password}}
	req := mustReq(http.MethodPost, o.b.base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	_, err = o.b.do(req)
	return err
}

// roundTrip is one sign-in of the signed-in browser: /authorize, the
// sign-in step, the callback, then the code exchange.
func (o *oidcBench) roundTrip() (oidcTokens, error) {
	verifier := fmt.Sprint(time.Now().UnixNano(), "-bench-verifier-with-enough-entropy-for-pkce")
	sum := sha256.Sum256([]byte(verifier))
	u := o.b.base + "/authorize?" + url.Values{"client_id": {o.id}, "redirect_uri": {oidcRedirect}, "response_type": {"code"},
		"scope": {"openid email offline_access"}, "state": {"s"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"}}.Encode()
	for range 5 {
		resp, err := o.b.client.Do(mustReq(http.MethodGet, u, nil).WithContext(o.b.ctx))
		if err != nil {
			return oidcTokens{}, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
		if resp.StatusCode < 300 || resp.StatusCode >= 400 || err != nil {
			return oidcTokens{}, fmt.Errorf("GET %s: %d", resp.Request.URL.Path, resp.StatusCode)
		}
		if strings.HasPrefix(loc.String(), oidcRedirect) {
			return o.token(url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
				"redirect_uri": {oidcRedirect}, "code_verifier": {verifier}})
		}
		u = loc.String()
	}
	return oidcTokens{}, fmt.Errorf("too many redirects")
}

func (o *oidcBench) token(form url.Values) (oidcTokens, error) {
	req := mustReq(http.MethodPost, o.b.base+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(o.id), url.QueryEscape(o.secret))
	body, err := o.b.do(req)
	if err != nil {
		return oidcTokens{}, err
	}
	var t oidcTokens
	if err := json.Unmarshal(body, &t); err != nil || t.Access == "" {
		return oidcTokens{}, fmt.Errorf("token answer: %.200s", body)
	}
	return t, nil
}

func mustReq(method, u string, body io.Reader) *http.Request {
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		panic(err)
	}
	return req
}
