package clienttests_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestClientTests(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Client conformance")
}
