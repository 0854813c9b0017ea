// Package audit writes the team service's audit trail.
package audit

import (
	"context"
	"database/sql"
)

type Store struct {
	db *sql.DB
}

func NewStore(db *sql.DB) *Store {
	return &Store{db: db}
}

// Record inserts one audit row and returns the error: callers decide what a failure means.
func (s *Store) Record(ctx context.Context, actor, action, teamID string) error {
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO audit_log (actor_id, action, team_id) VALUES ($1, $2, $3)`,
		actor, action, teamID)
	return err
}
