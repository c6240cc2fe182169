package rebuild

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/lakectl/lakectl/warehouse"
	"github.com/lakectl/lakectl/warehouse/driver"
)

// dependents are what a swap by rename would break. Views bound to the
// table follow it to its __old name, and then the drop fails; late-binding
// views (Redshift's WITH NO SCHEMA BINDING) do not. Grants stay with the
// old table. FIELD-NOTES: "Grants do not follow a table swapped in by
// rename: re-grant";
// https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_VIEW.html
type dependents struct {
	views  []string
	grants map[string][]string // grantee -> privileges
}

// readDependents asks PostgreSQL and Redshift catalogs; DuckDB binds views
// by name at query time and has no grants.
func readDependents(ctx context.Context, wh warehouse.Warehouse, n names) (dependents, error) {
	d := dependents{grants: map[string][]string{}}
	if wh.Dialect() == driver.DuckDB {
		return d, nil
	}
	views := fmt.Sprintf(`SELECT DISTINCT vn.nspname || '.' || v.relname
FROM pg_depend d
JOIN pg_rewrite r ON d.objid = r.oid
JOIN pg_class v ON r.ev_class = v.oid
JOIN pg_class t ON d.refobjid = t.oid
JOIN pg_namespace tn ON t.relnamespace = tn.oid
JOIN pg_namespace vn ON v.relnamespace = vn.oid
WHERE tn.nspname = %s AND t.relname = %s AND v.oid <> t.oid`, driver.LiteralFor(wh)(n.schema), driver.LiteralFor(wh)(n.name))
	err := wh.Query(ctx, views, nil, func(scan func(...any) error) error {
		var v string
		err := scan(&v)
		d.views = append(d.views, v)
		return err
	})
	if err != nil {
		return d, fmt.Errorf("look up views on %s: %w", n.target, err)
	}
	grants := fmt.Sprintf(`SELECT grantee, privilege_type FROM information_schema.table_privileges
WHERE table_schema = %s AND table_name = %s AND grantee <> grantor`, driver.LiteralFor(wh)(n.schema), driver.LiteralFor(wh)(n.name))
	err = wh.Query(ctx, grants, nil, func(scan func(...any) error) error {
		var who, what string
		err := scan(&who, &what)
		d.grants[who] = append(d.grants[who], what)
		return err
	})
	if err != nil {
		return d, fmt.Errorf("look up grants on %s: %w", n.target, err)
	}
	sort.Strings(d.views)
	return d, nil
}

// grantStatements give the new table the old one's grants, in the swap's
// transaction.
func (d dependents) grantStatements(n names) []string {
	who := make([]string, 0, len(d.grants))
	for g := range d.grants {
		who = append(who, g)
	}
	sort.Strings(who)
	var out []string
	for _, g := range who {
		privs := d.grants[g]
		sort.Strings(privs)
		grantee := driver.QuoteIdent(g)
		if strings.EqualFold(g, "public") {
			grantee = "PUBLIC"
		}
		out = append(out, fmt.Sprintf("GRANT %s ON %s TO %s", strings.Join(privs, ", "), n.qNew, grantee))
	}
	return out
}

// viewsError refuses a swap that bound views would break.
func (d dependents) viewsError(r *Run) error {
	if len(d.views) == 0 {
		return nil
	}
	return &DependentViewsError{Table: r.Target, Views: d.views}
}

// DependentViewsError is a swap refused because views are bound to the
// table: a rename would carry them to the old table, whose drop fails.
type DependentViewsError struct {
	Table string
	Views []string
}

func (e *DependentViewsError) Error() string {
	return fmt.Sprintf("views %s depend on %s and would follow it to its old name: recreate them as late-binding views (Redshift: WITH NO SCHEMA BINDING) or drop them, then rerun", strings.Join(e.Views, ", "), e.Table)
}
