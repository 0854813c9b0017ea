// Package api serves the team endpoints.
package api

import (
	"context"
	"log"
	"log/slog"
	"net/http"

	"example.com/saas/teams/internal/audit"
)

type Server struct {
	audit *audit.Store
	teams TeamStore
}

// Rename is fail-open done right: the audit row is written in a detached goroutine and a
// failure is surfaced at warn level.
func (s *Server) Rename(w http.ResponseWriter, r *http.Request) {
	actor, team := r.Header.Get("X-User"), r.PathValue("id")
	if err := s.teams.Rename(r.Context(), team, r.FormValue("name")); err != nil {
		http.Error(w, "rename failed", http.StatusInternalServerError)
		return
	}
	go func() {
		if err := s.audit.Record(context.Background(), actor, "team.rename", team); err != nil {
			slog.Warn("audit.emit.failed", "action", "team.rename", "team", team, "err", err)
		}
	}()
	w.WriteHeader(http.StatusNoContent)
}

// RemoveMember swallows the audit failure: `log.Printf` is not a warn/error reporter, and the
// request answers 204 with no trace of the missing row.
func (s *Server) RemoveMember(w http.ResponseWriter, r *http.Request) {
	actor, team := r.Header.Get("X-User"), r.PathValue("id")
	if err := s.teams.RemoveMember(r.Context(), team, r.PathValue("user")); err != nil {
		http.Error(w, "remove failed", http.StatusInternalServerError)
		return
	}
	if err := s.audit.Record(r.Context(), actor, "team.member.remove", team); err != nil {
		log.Printf("audit: %v", err)
	}
	w.WriteHeader(http.StatusNoContent)
}
