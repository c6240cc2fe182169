package postgres

// Validate reports the bad input Extract would refuse in o before it
// opens the lake or connects (*input.Error): the table's form,
// the lake table name, the partition rule, the numbers, the cursor, and
// the slot and publication names.
func (o Options) Validate() error {
	_, err := newRun(o)
	return err
}
