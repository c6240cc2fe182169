package mysql

import (
	"context"
	"log/slog"
)

// Validate reports the bad input Extract would refuse in o before it
// opens the lake or connects: the DSN's and the table's form, the lake
// table name, the partition rule, the cursor, the numbers and the spatial
// form. ctx receives the DSN's password as a secret.
func (o Options) Validate(ctx context.Context) error {
	o.Logger = slog.New(slog.DiscardHandler) // Extract logs what the DSN overrides
	_, err := newRun(ctx, nil, o)
	return err
}
