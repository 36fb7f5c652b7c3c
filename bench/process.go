package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"
)

// The processes of a benchmark run: the server under test, the bare
// baseline, and what /proc says about them.

type server struct {
	cmd    *exec.Cmd
	exited chan struct{}
	log    *os.File
}

func subprocessEnv(extra map[string]string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GATEHOUSE_") {
			out = append(out, kv)
		}
	}
	for k, v := range extra {
		out = append(out, k+"="+v)
	}
	return out
}

func runBin(ctx context.Context, bin string, env map[string]string, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = subprocessEnv(env)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("gatehouse %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return nil
}

func startServer(ctx context.Context, bin string, env map[string]string, logPath string) (*server, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	s := &server{exited: make(chan struct{}), log: f}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env = subprocessEnv(env)
	s.cmd.Stdout, s.cmd.Stderr = f, f
	if err := s.cmd.Start(); err != nil {
		f.Close()
		return nil, err
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	c := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := c.Get("http://" + env["GATEHOUSE_ADDR"] + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		select {
		case <-s.exited:
			s.stop()
			return nil, fmt.Errorf("gatehouse serve exited before /healthz answered:\n%s", tail(logPath, 4000))
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("/healthz did not answer within 30s (last error %v)", err)
		}
	}
}

// stop ends the server: SIGTERM, then SIGKILL after 10 s.
func (s *server) stop() {
	select {
	case <-s.exited:
	default:
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	}
	s.log.Close()
}

func tail(path string, n int64) string {
	b, _ := os.ReadFile(path)
	if int64(len(b)) > n {
		b = b[int64(len(b))-n:]
	}
	return string(b)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startBare starts the baseline in a process of its own, as the server
// runs in one: this benchmark's binary again with -serve-bare, serving a
// bare Fiber app with one small JSON handler.
func startBare(ctx context.Context, logPath string) (*server, string, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, "", err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, "", err
	}
	cmd := exec.CommandContext(ctx, self, "-serve-bare", addr)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, "", err
	}
	s := &server{cmd: cmd, exited: make(chan struct{}), log: logf}
	go func() { _ = cmd.Wait(); close(s.exited) }()
	u := "http://" + addr + "/auth"
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return s, u, nil
		}
		select {
		case <-s.exited:
			return nil, "", fmt.Errorf("bare baseline exited: %s", tail(logPath, 2000))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, "", errors.New("bare baseline did not start listening")
		}
	}
}

// serveBare is the baseline process: it serves until SIGTERM or SIGINT.
func serveBare(ctx context.Context, addr string) int {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Post("/auth", func(c *fiber.Ctx) error {
		return c.JSON(fiber.Map{"message": "Welcome, Bench", "user": fiber.Map{"name": "Bench", "bio": nil, "email": "bench@example.com"}})
	})
	go func() {
		<-ctx.Done()
		_ = app.ShutdownWithTimeout(2 * time.Second)
	}()
	if err := app.Listen(addr); err != nil {
		logf("bare: %v", err)
		return 1
	}
	return 0
}

// procStatus reads a "kB" field of /proc/<pid>/status in bytes (0 when
// unavailable).
func procStatus(pid int, field string) uint64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// procCPU is the user+system CPU time of a process so far (0 when
// unavailable). /proc/<pid>/stat counts in clock ticks of 1/100 s.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces: fields after its ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseUint(f[11], 10, 64)
	st, _ := strconv.ParseUint(f[12], 10, 64)
	return time.Duration(u+st) * 10 * time.Millisecond
}

// loadAvg is the first field of /proc/loadavg, or "?".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil || len(strings.Fields(string(b))) == 0 {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

// ---- load generation ----
