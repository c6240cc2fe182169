package compact

// Validate reports the bad input Compact would refuse in o before it
// opens the table: the table's name, the sizes, the codec and the
// partition filters.
func (o Options) Validate() error {
	return o.withDefaults().validate()
}
