// Package deploy holds the Kubernetes manifests of a two-replica mockauth
// (deployment.yaml, services.yaml, configmap.yaml, secret.yaml, and
// state.yaml: the Redis the replicas share their state through) and, in its
// test, their validation against the Kubernetes API types: no cluster is
// needed, and nothing is fetched from the network.
package deploy
