package clienttests

import (
	"encoding/xml"
	"fmt"
	"io"
)

type junitSuite struct {
	XMLName  xml.Name    `xml:"testsuite"`
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
	SystemErr string        `xml:"system-err,omitempty"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes results as a JUnit XML test suite, for CI systems.
func WriteJUnit(w io.Writer, suite string, results []Result) error {
	s := junitSuite{Name: suite, Tests: len(results)}
	var total float64
	for _, r := range results {
		secs := r.Elapsed.Seconds()
		total += secs
		jc := junitCase{Name: r.Case.Name, Classname: "mockauth." + r.Case.Vendor + "." + r.Case.Endpoint, Time: fmt.Sprintf("%.3f", secs),
			SystemOut: r.Stdout, SystemErr: r.Stderr}
		switch {
		case r.Skipped != "":
			s.Skipped++
			jc.Skipped = &junitSkipped{Message: r.Skipped}
		case !r.Passed:
			s.Failures++
			jc.Failure = &junitFailure{Message: r.Reason, Text: fmt.Sprintf("scenario %q, want %s: %s", r.Case.Scenario, r.Case.Want, r.Reason)}
		}
		s.Cases = append(s.Cases, jc)
	}
	s.Time = fmt.Sprintf("%.3f", total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(s); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
