// Command deploycheck validates the deployment files offline, with the libraries Docker itself uses:
//
//	deploycheck compose --file docker-compose.yml
//	deploycheck dockerfile --file Dockerfile [--ignore-file .dockerignore [--probe <path>]...]
//
// It prints one JSON report on stdout and exits 0 whenever it could produce one (the report says what is
// wrong); the project's policy on top of it lives in scripts/deploy/*.ts. Exit 2: bad usage or unreadable input.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
)

const usage = "usage: deploycheck compose --file <compose.yml> | dockerfile --file <Dockerfile> [--ignore-file <.dockerignore> [--probe <path>]...]"

func main() {
	if len(os.Args) < 2 {
		fail(usage)
	}
	flags := flag.NewFlagSet(os.Args[1], flag.ContinueOnError)
	file := flags.String("file", "", "the file to check")
	ignoreFile := flags.String("ignore-file", "", "the .dockerignore of the build context (dockerfile only)")
	var probes repeated
	flags.Var(&probes, "probe", "a context path to report as excluded by the .dockerignore or not (repeatable)")
	if err := flags.Parse(os.Args[2:]); err != nil || *file == "" {
		fail(usage)
	}
	var report any
	var err error
	switch os.Args[1] {
	case "compose":
		report, err = checkCompose(*file)
	case "dockerfile":
		report, err = checkDockerfile(*file, *ignoreFile, probes)
	default:
		fail(usage)
	}
	if err != nil {
		fail(err.Error())
	}
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetIndent("", "  ")
	if err := encoder.Encode(report); err != nil {
		fail(err.Error())
	}
}

type repeated []string

func (r *repeated) String() string { return fmt.Sprint(*r) }

func (r *repeated) Set(value string) error {
	*r = append(*r, value)
	return nil
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, "deploycheck:", message)
	os.Exit(2)
}
