module example.invalid/auth0-mtls/pulumi-language-python

go 1.26.6

// grpc, protobuf and genproto are pinned to the versions github.com/pulumi/pulumi/pkg/v3@v3.274.1
// resolves to, so this host reuses the packages compiled for the CLI (same build cache entries).

require (
	github.com/pulumi/pulumi/sdk/v3 v3.274.1
	google.golang.org/grpc v1.85.0
	google.golang.org/protobuf v1.36.12
)

require (
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20261026165753-2ffab32bce7e // indirect
)
