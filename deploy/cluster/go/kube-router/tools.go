//go:build tools

// The program deploy/cluster/build.sh builds; imported here so go.mod and go.sum name every
// module it needs.
package tools

import _ "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router"
