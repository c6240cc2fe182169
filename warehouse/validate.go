package warehouse

// Validate reports the bad input Load would refuse in o before it opens
// the lake or the warehouse: the mode, an upsert without a key, the
// target's form.
func (o LoadOptions) Validate() error {
	// Any schema stands for the warehouse's default here: only the form
	// of Into is checked.
	_, _, err := o.normalize("default")
	return err
}
