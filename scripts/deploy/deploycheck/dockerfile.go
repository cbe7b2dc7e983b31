package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	digest "github.com/opencontainers/go-digest"
)

// dockerfileReport holds BuildKit's own lint findings (the rules of `docker build --check`) and the parsed stages,
// on which the project's policy (non-root user, production dependencies only, ...) is checked by the caller.
type dockerfileReport struct {
	Error    *string       `json:"error"`
	Warnings []lintWarning `json:"warnings"`
	Stages   []stage       `json:"stages"`
	// Probes: for each path asked about, whether the .dockerignore keeps it out of the build context.
	Probes map[string]bool `json:"probes"`
}

type lintWarning struct {
	Rule        string `json:"rule"`
	Description string `json:"description"`
	URL         string `json:"url"`
	Detail      string `json:"detail"`
	Line        int32  `json:"line"`
}

type stage struct {
	Name         string        `json:"name"`
	Base         string        `json:"base"`
	Platform     string        `json:"platform"`
	Line         int           `json:"line"`
	Instructions []instruction `json:"instructions"`
}

// instruction is one Dockerfile instruction, with the fields the policy reads for its kind.
type instruction struct {
	Kind   string `json:"kind"`
	Line   int    `json:"line"`
	Source string `json:"source"`
	// RUN, CMD, ENTRYPOINT: the command line, and whether it is the shell form.
	Command   []string `json:"command,omitempty"`
	ShellForm *bool    `json:"shellForm,omitempty"`
	// USER, STOPSIGNAL, WORKDIR.
	Value string `json:"value,omitempty"`
	// COPY, ADD.
	From    string   `json:"from,omitempty"`
	Sources []string `json:"sources,omitempty"`
	Dest    string   `json:"dest,omitempty"`
	Chown   string   `json:"chown,omitempty"`
	// COPY or ADD from the build context: the sources the .dockerignore excludes (they would be missing).
	Ignored []string `json:"ignored,omitempty"`
	// ENV.
	Env map[string]string `json:"env,omitempty"`
}

func checkDockerfile(file string, ignoreFile string, probes []string) (*dockerfileReport, error) {
	content, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	report := &dockerfileReport{Warnings: []lintWarning{}, Stages: []stage{}, Probes: map[string]bool{}}

	sourceMap := llb.NewSourceMap(nil, filepath.Base(file), "Dockerfile", content)
	sourceMap.Definition = &llb.Definition{}
	results, err := dockerfile2llb.DockerfileLint(context.Background(), content, dockerfile2llb.ConvertOpt{
		SourceMap:    sourceMap,
		MetaResolver: offlineImages{},
	})
	if err != nil {
		return nil, err
	}
	for _, warning := range results.Warnings {
		var line int32
		if warning.Location != nil && len(warning.Location.Ranges) > 0 {
			line = warning.Location.Ranges[0].Start.Line
		}
		report.Warnings = append(report.Warnings, lintWarning{
			Rule: warning.RuleName, Description: warning.Description, URL: warning.URL, Detail: warning.Detail, Line: line,
		})
	}
	if results.Error != nil {
		message := results.Error.Message
		report.Error = &message
		return report, nil
	}

	ignored, err := ignoreMatcher(ignoreFile)
	if err != nil {
		return nil, err
	}
	for _, probe := range probes {
		excluded := false
		if ignored != nil {
			if excluded, err = ignored.MatchesOrParentMatches(filepath.Clean(probe)); err != nil {
				return nil, err
			}
		}
		report.Probes[probe] = excluded
	}
	ast, err := parser.Parse(bytes.NewReader(content))
	if err != nil {
		return nil, err
	}
	stages, globalArgs, err := instructions.Parse(ast.AST, nil)
	if err != nil {
		return nil, err
	}
	lexer := shell.NewLex(ast.EscapeToken)
	defaults := argDefaults(globalArgs)
	for _, parsed := range stages {
		described := describeStage(parsed, ignored)
		// FROM ${NODE_IMAGE}: the image the build uses when no --build-arg overrides it.
		if base, _, err := lexer.ProcessWord(parsed.BaseName, defaults); err == nil {
			described.Base = base
		}
		report.Stages = append(report.Stages, described)
	}
	return report, nil
}

// argDefaults are the default values of the ARGs declared before the first FROM.
func argDefaults(commands []instructions.ArgCommand) shell.EnvGetter {
	var env []string
	for _, command := range commands {
		for _, arg := range command.Args {
			if arg.Value != nil {
				env = append(env, arg.Key+"="+*arg.Value)
			}
		}
	}
	return shell.EnvsFromSlice(env)
}

func describeStage(parsed instructions.Stage, ignored *patternmatcher.PatternMatcher) stage {
	described := stage{
		Name: parsed.Name, Base: parsed.BaseName, Platform: parsed.Platform,
		Line: firstLine(parsed.Location), Instructions: []instruction{},
	}
	for _, command := range parsed.Commands {
		item := instruction{Kind: strings.ToLower(command.Name()), Line: firstLine(command.Location())}
		if source, ok := command.(interface{ String() string }); ok {
			item.Source = source.String()
		}
		switch typed := command.(type) {
		case *instructions.RunCommand:
			item.Command, item.ShellForm = typed.CmdLine, boolPointer(typed.PrependShell)
		case *instructions.CmdCommand:
			item.Command, item.ShellForm = typed.CmdLine, boolPointer(typed.PrependShell)
		case *instructions.EntrypointCommand:
			item.Command, item.ShellForm = typed.CmdLine, boolPointer(typed.PrependShell)
		case *instructions.UserCommand:
			item.Value = typed.User
		case *instructions.StopSignalCommand:
			item.Value = typed.Signal
		case *instructions.WorkdirCommand:
			item.Value = typed.Path
		case *instructions.EnvCommand:
			item.Env = map[string]string{}
			for _, pair := range typed.Env {
				item.Env[pair.Key] = pair.Value
			}
		case *instructions.CopyCommand:
			item.From, item.Sources, item.Dest, item.Chown = typed.From, typed.SourcePaths, typed.DestPath, typed.Chown
			if typed.From == "" {
				item.Ignored = ignoredSources(typed.SourcePaths, ignored)
			}
		case *instructions.AddCommand:
			item.Sources, item.Dest, item.Chown = typed.SourcePaths, typed.DestPath, typed.Chown
			item.Ignored = ignoredSources(typed.SourcePaths, ignored)
		}
		described.Instructions = append(described.Instructions, item)
	}
	return described
}

// ignoredSources names the sources of a COPY from the build context that .dockerignore excludes: they would be
// missing from the build (BuildKit's CopyIgnoredFile rule, which needs a build client to run).
func ignoredSources(sources []string, ignored *patternmatcher.PatternMatcher) []string {
	if ignored == nil {
		return nil
	}
	var found []string
	for _, source := range sources {
		clean := filepath.Clean(strings.TrimPrefix(source, "/"))
		if strings.ContainsAny(clean, "*?[") || clean == "." {
			continue
		}
		if match, err := ignored.MatchesOrParentMatches(clean); err == nil && match {
			found = append(found, source)
		}
	}
	return found
}

func ignoreMatcher(ignoreFile string) (*patternmatcher.PatternMatcher, error) {
	if ignoreFile == "" {
		return nil, nil
	}
	file, err := os.Open(ignoreFile)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	patterns, err := ignorefile.ReadAll(file)
	if err != nil {
		return nil, err
	}
	return patternmatcher.New(patterns)
}

func firstLine(ranges []parser.Range) int {
	if len(ranges) == 0 {
		return 0
	}
	return ranges[0].Start.Line
}

func boolPointer(value bool) *bool { return &value }

// offlineImages answers BuildKit's base image lookups without a registry: every image is a Linux image of the
// requested platform with the usual PATH. The lint rules need only that much, and nothing is pulled.
type offlineImages struct{}

func (offlineImages) ResolveImageConfig(_ context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	platform := map[string]string{"os": "linux", "architecture": runtime.GOARCH}
	if opt.ImageOpt != nil && opt.ImageOpt.Platform != nil {
		platform["os"], platform["architecture"] = opt.ImageOpt.Platform.OS, opt.ImageOpt.Platform.Architecture
		if opt.ImageOpt.Platform.Variant != "" {
			platform["variant"] = opt.ImageOpt.Platform.Variant
		}
	}
	config := map[string]any{
		"rootfs": map[string]any{
			"type":     "layers",
			"diff_ids": []string{"sha256:0000000000000000000000000000000000000000000000000000000000000000"},
		},
		"config": map[string]any{"Env": []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}},
	}
	for key, value := range platform {
		config[key] = value
	}
	encoded, err := json.Marshal(config)
	return ref, "", encoded, err
}
