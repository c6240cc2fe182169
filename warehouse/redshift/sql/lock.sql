LOCK {{.Ledger}};
