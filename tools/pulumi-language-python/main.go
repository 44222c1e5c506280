// Command pulumi-language-python is a deliberately small Pulumi language host for Python programs.
//
// Why this exists: the CLI (`github.com/pulumi/pulumi/pkg/v3/cmd/pulumi`) and the Python SDK both
// come from package registries, but the upstream Python language host lives in its own untagged Go
// module, `github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3`, which the Go module
// proxy does not serve (403 for @v/list, @latest and commit pseudo-versions). Without a language
// host the CLI cannot run a Python program at all, so scripts/ensure-pulumi.sh builds this one
// instead when the upstream module is unavailable.
//
// What it does: it implements the engine's LanguageRuntime gRPC service well enough to run a
// Python program that uses only the SDK's built-in resources and dynamic providers. `Run` starts
// the upstream `pulumi-language-python-exec` shim (shipped inside the sdk/v3 module zip and copied
// next to this binary) with the same arguments and environment variables as the upstream host.
//
// What it leaves out, on purpose:
//   - dependency installation: no virtualenv creation, no `pip install`, `InstallDependencies`
//     is a no-op. The virtualenv named in Pulumi.yaml must already exist;
//   - plugin discovery: `GetRequiredPackages`/`GetRequiredPlugins` report nothing, so installed
//     `pulumi-*` provider packages are NOT announced to the engine (the bundled dynamic-provider
//     plugin `pulumi-resource-pulumi-python` needs no announcement);
//   - the uv and poetry toolchains (only pip / a plain interpreter), type checkers, debugging;
//   - code generation, templates, packing and Python-based plugins (GenerateProgram,
//     GenerateProject, GeneratePackage, Template, Pack, RunPlugin answer Unimplemented).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

const (
	// Name of the Python shim that runs the user's program; it must sit next to this binary.
	execShimName = "pulumi-language-python-exec"
	// The shim exits with this code after it has already shown the user a readable error
	// (e.g. an unhandled exception in the program); the engine should then just stop ("bail").
	exitCodeUserActionableError = 32
	// How often to check that the engine is still alive (we exit when it is gone).
	engineHealthInterval = 5 * time.Minute
	// Same limit as the engine's plugin connections (rpcutil's 400 MB) so large programs work.
	maxMessageSize = 400 * 1024 * 1024
)

func main() {
	// The engine starts language plugins as `<host> [--logtostderr] [-v=N] [--tracing URL] <engine address>`.
	// The logging flags are accepted and ignored; `-root`, `-virtualenv`, `-toolchain` and
	// `-typechecker` are obsolete upstream flags, accepted so old callers don't break.
	tracing := flag.String("tracing", "", "Zipkin-compatible tracing endpoint (passed on to the program)")
	executor := flag.String("use-executor", "", "run this script instead of the "+execShimName+" next to the host")
	flag.Bool("logtostderr", false, "ignored")
	flag.Int("v", 0, "ignored")
	for _, obsolete := range []string{"root", "virtualenv", "toolchain", "typechecker"} {
		flag.String(obsolete, "", "obsolete, ignored")
	}
	flag.Parse()

	shim := *executor
	if shim == "" {
		self, err := os.Executable()
		if err != nil {
			fatalf("cannot locate own executable: %v", err)
		}
		shim = filepath.Join(filepath.Dir(self), execShimName)
	}
	if _, err := os.Stat(shim); err != nil {
		fatalf("missing executor %s: %v", shim, err)
	}

	host := &languageHost{shim: shim, tracing: *tracing}

	// Stop serving on SIGINT or when the engine disappears.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	host.ctx, host.stop = ctx, stop

	if args := flag.Args(); len(args) > 0 {
		host.setEngine(args[0])
	}

	// We deliberately avoid the SDK's rpcutil helpers: they would pull half the SDK (and its
	// dependencies) into this small binary. The protocol is simple: listen on a free loopback
	// port, print it as the first line of stdout, serve until told to stop.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fatalf("could not listen on a loopback port: %v", err)
	}
	srv := grpc.NewServer(grpc.MaxRecvMsgSize(maxMessageSize))
	pulumirpc.RegisterLanguageRuntimeServer(srv, host)
	healthSrv := health.NewServer()
	healthpb.RegisterHealthServer(srv, healthSrv)
	healthSrv.SetServingStatus(pulumirpc.LanguageRuntime_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_SERVING)
	go func() {
		<-ctx.Done()
		srv.GracefulStop()
	}()

	fmt.Printf("%d\n", lis.Addr().(*net.TCPAddr).Port)

	if err := srv.Serve(lis); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		fatalf("language host RPC stopped serving: %v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pulumi-language-python: "+format+"\n", args...)
	os.Exit(1)
}

// languageHost implements pulumirpc.LanguageRuntimeServer. Methods we don't provide fall through
// to the embedded Unimplemented server.
type languageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	shim    string // path of pulumi-language-python-exec
	tracing string

	ctx  context.Context
	stop context.CancelFunc

	mu            sync.Mutex
	engineAddress string
	healthStarted bool
}

// setEngine records the engine's gRPC address (from argv or Handshake) and starts a periodic
// health check that shuts this process down once the engine has gone away.
func (h *languageHost) setEngine(addr string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.engineAddress = addr
	if addr == "" || h.healthStarted {
		return
	}
	h.healthStarted = true
	go h.watchEngine(addr)
}

// watchEngine calls the engine's health service every engineHealthInterval and stops the host
// when the call fails (Unimplemented counts as alive).
func (h *languageHost) watchEngine(addr string) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return
	}
	defer conn.Close()
	client := healthpb.NewHealthClient(conn)
	ticker := time.NewTicker(engineHealthInterval)
	defer ticker.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-ticker.C:
			ctx, cancel := context.WithTimeout(h.ctx, time.Minute)
			_, err := client.Check(ctx, &healthpb.HealthCheckRequest{})
			cancel()
			if err != nil && status.Code(err) != codes.Unimplemented {
				h.stop()
				return
			}
		}
	}
}

func (h *languageHost) engine() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.engineAddress
}

// Handshake is used when the engine attaches to an already running host; it only tells us the
// engine's address. The root/program directories also arrive with every request, so we ignore them.
func (h *languageHost) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.setEngine(req.GetEngineAddress())
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *languageHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	// Set at build time with -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=vX.Y.Z".
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// GetRequiredPlugins / GetRequiredPackages: we announce no provider plugins (see the header).
func (h *languageHost) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *languageHost) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// InstallDependencies (`pulumi install`, `pulumi new`) does nothing: the environment is prepared
// outside Pulumi.
func (h *languageHost) InstallDependencies(
	*pulumirpc.InstallDependenciesRequest, grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	return nil
}

func (h *languageHost) RuntimeOptionsPrompts(
	context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

// About reports the interpreter that would run the program (`pulumi about`).
func (h *languageHost) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	py, err := resolvePython(req.GetInfo())
	if err != nil {
		return nil, err
	}
	out, err := py.command(ctx, "-c", "import sys, platform; print(sys.executable); print(platform.python_version())").Output()
	if err != nil {
		return nil, fmt.Errorf("running %s: %w", py.exe, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	resp := &pulumirpc.AboutResponse{Executable: lines[0]}
	if len(lines) > 1 {
		resp.Version = lines[1]
	}
	return resp, nil
}

// GetProgramDependencies lists the distributions installed in the program's environment
// (best effort; used by `pulumi about`). Transitive and direct dependencies are not told apart.
func (h *languageHost) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	resp := &pulumirpc.GetProgramDependenciesResponse{}
	py, err := resolvePython(req.GetInfo())
	if err != nil {
		return nil, err
	}
	const script = "import json, importlib.metadata as m; " +
		"print(json.dumps(sorted({(d.metadata['Name'] or '', d.version) for d in m.distributions()})))"
	out, err := py.command(ctx, "-c", script).Output()
	if err != nil {
		return resp, nil
	}
	var pairs [][2]string
	if json.Unmarshal(out, &pairs) == nil {
		for _, p := range pairs {
			if p[0] != "" {
				resp.Dependencies = append(resp.Dependencies, &pulumirpc.DependencyInfo{Name: p[0], Version: p[1]})
			}
		}
	}
	return resp, nil
}

// Run executes the program: `<python> pulumi-language-python-exec --monitor ... <entry point> <args>`.
func (h *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	if req.GetAttachDebugger() {
		return &pulumirpc.RunResponse{Error: "debugging is not supported by this minimal Python language host"}, nil
	}
	info := req.GetInfo()
	py, err := resolvePython(info)
	if err != nil {
		return nil, err
	}

	// Flags understood by pulumi-language-python-exec (argparse). --dry_run and --parallel are
	// always passed: the shim compares dry_run with "true" and calls int(parallel).
	var args []string
	add := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", h.engine())
	add("project", req.GetProject())
	add("root_directory", info.GetRootDirectory())
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	add("dry_run", strconv.FormatBool(req.GetDryRun()))
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	add("tracing", h.tracing)
	add("organization", req.GetOrganization())
	entry := info.GetEntryPoint()
	if entry == "" {
		entry = req.GetProgram() //nolint:staticcheck // older engines only send the deprecated field
	}
	if entry == "" {
		entry = "." // the program directory: runs its __main__.py
	}
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	// Configuration travels in environment variables read by pulumi.runtime.
	configJSON, err := json.Marshal(nonNilMap(req.GetConfig()))
	if err != nil {
		return nil, fmt.Errorf("serializing configuration: %w", err)
	}
	secretKeysJSON, err := json.Marshal(nonNilSlice(req.GetConfigSecretKeys()))
	if err != nil {
		return nil, fmt.Errorf("serializing secret configuration keys: %w", err)
	}

	cmd := py.command(ctx, append([]string{h.shim}, args...)...)
	cmd.Env = append(cmd.Env, "PULUMI_CONFIG="+string(configJSON), "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON))
	if dir := info.GetProgramDirectory(); dir != "" {
		cmd.Dir = dir
	} else if req.GetPwd() != "" {
		cmd.Dir = req.GetPwd()
	}
	// Our stdout/stderr are forwarded by the engine to the user, so the program's output is too.
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr

	runErr := cmd.Run()
	_ = os.Stdout.Sync()
	_ = os.Stderr.Sync()
	if runErr == nil {
		return &pulumirpc.RunResponse{}, nil
	}
	var exitErr *exec.ExitError
	switch {
	case errors.As(runErr, &exitErr) && exitErr.ExitCode() == exitCodeUserActionableError:
		// The shim already logged the error (e.g. the traceback) through the engine.
		return &pulumirpc.RunResponse{Bail: true}, nil
	case errors.As(runErr, &exitErr) && exitErr.ExitCode() > 0:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
	case errors.As(runErr, &exitErr):
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("program exited unexpectedly: %v", exitErr)}, nil
	default:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf(
			"problem executing program (could not run %s %s): %v", py.exe, h.shim, runErr)}, nil
	}
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func nonNilSlice(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// python is the interpreter chosen for a program, plus the environment to run it with.
type python struct {
	exe  string
	venv string // absolute virtualenv directory, or "" for an ambient interpreter
}

// resolvePython picks the interpreter from Pulumi.yaml's runtime options:
//   - `virtualenv: <dir>` (absolute, or relative to the project root): <dir>/bin/python, which must exist;
//   - otherwise $PULUMI_PYTHON_CMD, else python3, else python from PATH.
//
// `toolchain` may be absent or `pip`; uv and poetry are not supported here.
func resolvePython(info *pulumirpc.ProgramInfo) (*python, error) {
	opts := info.GetOptions().AsMap()
	if tc, ok := opts["toolchain"]; ok && tc != "pip" {
		return nil, fmt.Errorf("runtime option toolchain=%v is not supported by this minimal Python language host "+
			"(built by scripts/ensure-pulumi.sh); use `toolchain: pip` with `virtualenv: <existing venv>`", tc)
	}
	if tcheck, ok := opts["typechecker"]; ok {
		fmt.Fprintf(os.Stderr, "warning: runtime option typechecker=%v is ignored by this minimal Python language host\n", tcheck)
	}
	if v, ok := opts["virtualenv"]; ok {
		venv, isString := v.(string)
		if !isString || venv == "" {
			return nil, errors.New("runtime option virtualenv must be a non-empty string")
		}
		if !filepath.IsAbs(venv) {
			venv = filepath.Join(info.GetRootDirectory(), venv)
		}
		exe := filepath.Join(venv, "bin", "python")
		if _, err := os.Stat(exe); err != nil {
			return nil, fmt.Errorf("the virtualenv %q from Pulumi.yaml (%s) is not a virtual environment: %s is missing; "+
				"create it with `python3 -m venv %s` and install the pulumi package into it "+
				"(this language host never creates or fills virtualenvs)", v, venv, exe, venv)
		}
		return &python{exe: exe, venv: venv}, nil
	}
	if cmd := os.Getenv("PULUMI_PYTHON_CMD"); cmd != "" {
		return &python{exe: cmd}, nil
	}
	for _, name := range []string{"python3", "python"} {
		if exe, err := exec.LookPath(name); err == nil {
			return &python{exe: exe}, nil
		}
	}
	return nil, errors.New("no Python interpreter found: set runtime.options.virtualenv in Pulumi.yaml, " +
		"PULUMI_PYTHON_CMD, or put python3 on PATH")
}

// command builds an exec.Cmd for the interpreter. For a virtualenv, the environment is
// "activated" the way `source bin/activate` would: bin/ first on PATH, VIRTUAL_ENV set,
// PYTHONHOME removed.
func (p *python) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, p.exe, args...)
	cmd.Env = os.Environ()
	if p.venv == "" {
		return cmd
	}
	bin := filepath.Join(p.venv, "bin")
	env := make([]string, 0, len(cmd.Env)+2)
	hasPath := false
	for _, kv := range cmd.Env {
		key, value, _ := strings.Cut(kv, "=")
		switch key {
		case "PYTHONHOME", "VIRTUAL_ENV":
			continue
		case "PATH":
			hasPath = true
			kv = "PATH=" + bin + string(os.PathListSeparator) + value
		}
		env = append(env, kv)
	}
	if !hasPath {
		env = append(env, "PATH="+bin)
	}
	cmd.Env = append(env, "VIRTUAL_ENV="+p.venv)
	return cmd
}
