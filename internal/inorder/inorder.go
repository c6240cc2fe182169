// Package inorder reads independent objects a bounded number at a time
// and hands the results on in the order asked: a listing whose objects are
// read one by one then costs one round trip per ahead objects instead of
// one per object.
package inorder

import "context"

// Fetch fetches every key, ahead at a time, and calls fn with each result
// in key order. An error from fn stops it and is returned; fetches under
// way are cancelled. fn may return Stop to end early without an error.
func Fetch[K, T any](ctx context.Context, keys []K, ahead int, fetch func(ctx context.Context, key K) (T, error), fn func(key K, v T, err error) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		v   T
		err error
	}
	slots := make([]chan result, len(keys))
	for i := range slots {
		slots[i] = make(chan result, 1)
	}
	tokens := make(chan struct{}, max(ahead, 1))
	go func() {
		for i, k := range keys {
			select {
			case tokens <- struct{}{}:
			case <-ctx.Done():
				return
			}
			go func() {
				v, err := fetch(ctx, k)
				slots[i] <- result{v, err}
			}()
		}
	}()
	for i, k := range keys {
		var r result
		select {
		case r = <-slots[i]:
		case <-ctx.Done():
			return ctx.Err()
		}
		<-tokens
		if err := fn(k, r.v, r.err); err != nil {
			if err == Stop {
				return nil
			}
			return err
		}
	}
	return nil
}

// Stop, returned by Fetch's fn, ends the fetch without an error.
var Stop = stopError{}

type stopError struct{}

func (stopError) Error() string { return "stop" }
