package pipeline

import (
	"bytes"
	"sync"

	"github.com/mockauth/mockauth/contracts"
	"github.com/mockauth/mockauth/simulators/vendor"
)

// validators are built once per process: a contract is read-only once
// loaded, and loading one takes longer than starting a whole stack (an
// embedded one loads on first use, so a stack starts without waiting).
var validators sync.Map // vendor name -> *validatorOnce

type validatorOnce struct {
	once sync.Once
	v    *contracts.Validator
	err  error
}

// ValidatorFor is the validator of a vendor's contract.
func ValidatorFor(spec vendor.Spec) (*contracts.Validator, error) {
	vo, _ := validators.LoadOrStore(spec.Name, &validatorOnce{})
	o := vo.(*validatorOnce)
	o.once.Do(func() {
		if name, data, err := contracts.Default(spec.Name); err == nil && name == spec.Contract.Name && bytes.Equal(data, spec.Contract.Data) {
			// The embedded contract: loaded when first needed (a check),
			// routed meanwhile by its index (contracts.NewEmbeddedValidator).
			o.v, o.err = contracts.NewEmbeddedValidator(spec.Name)
			return
		}
		o.v, o.err = contracts.NewValidatorFrom(spec.Name, spec.Contract.Name, spec.Contract.Data)
	})
	return o.v, o.err
}
