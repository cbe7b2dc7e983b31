package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/sirupsen/logrus"
)

// composeReport is the loaded project as `docker compose config --format json` would print it, or the reason it
// does not load. Warnings are what Compose would print and carry on with (an unset variable without a default,
// an obsolete `version:`); the caller treats them as errors.
type composeReport struct {
	Errors   []string        `json:"errors"`
	Warnings []string        `json:"warnings"`
	Project  json.RawMessage `json:"project,omitempty"`
}

// warningHook collects what compose-go logs at warning level instead of letting it reach stderr.
type warningHook struct{ messages []string }

func (h *warningHook) Levels() []logrus.Level {
	return []logrus.Level{logrus.PanicLevel, logrus.FatalLevel, logrus.ErrorLevel, logrus.WarnLevel}
}

func (h *warningHook) Fire(entry *logrus.Entry) error {
	h.messages = append(h.messages, entry.Message)
	return nil
}

func checkCompose(file string) (*composeReport, error) {
	absolute, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	hook := &warningHook{}
	logrus.StandardLogger().ReplaceHooks(logrus.LevelHooks{})
	logrus.AddHook(hook)
	logrus.SetOutput(io.Discard)

	report := &composeReport{Errors: []string{}, Warnings: []string{}}
	// An empty environment: the file must work for a developer who has set nothing, so every variable it
	// reads needs a default (${NAME:-...}); an unset one is a warning, reported as such.
	details := types.ConfigDetails{
		WorkingDir:  filepath.Dir(absolute),
		ConfigFiles: []types.ConfigFile{{Filename: absolute}},
		Environment: types.Mapping{},
	}
	project, err := loader.LoadWithContext(context.Background(), details,
		// Every profile, so depends_on between profiles and each profile's services are checked too.
		loader.WithProfiles([]string{"*"}),
	)
	report.Warnings = append(report.Warnings, hook.messages...)
	if err != nil {
		report.Errors = append(report.Errors, err.Error())
		return report, nil
	}
	encoded, err := project.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("could not encode the project: %w", err)
	}
	report.Project = encoded
	return report, nil
}
