package demo

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// sampleToken is the demo partner's API token, handed to the extract as
// if it came from the environment.
const sampleToken = "demo-token-3f9c27"

// samplePartner is a partner network API: transactions of two publisher
// accounts, paged, behind a bearer token. Each transaction's status moves
// from pending to approved or declined a day after it was made, so a
// second extract finds new versions of old transactions.
type samplePartner struct {
	now func() time.Time
}

type transaction struct {
	ID         int64  `json:"id"`
	Advertiser string `json:"advertiser"`
	Status     string `json:"status"`
	Commission string `json:"commission"`
	Currency   string `json:"currency"`
	CreatedAt  string `json:"created_at"`
	UpdatedAt  string `json:"updated_at"`
}

var advertisers = []string{"acme-shoes", "blue-travel", "cloud-books", "delta-tech", "echo-home"}

func hash(parts ...any) uint64 {
	h := fnv.New64a()
	fmt.Fprint(h, parts...)
	return h.Sum64()
}

// transactions returns the account's transactions created in [from, to)
// as they look now, in id order.
func (p samplePartner) transactions(account string, from, to time.Time) []transaction {
	now := p.now()
	acct, _ := strconv.ParseInt(account, 10, 64)
	currency := map[string]string{"1001": "EUR", "1002": "GBP"}[account]
	var out []transaction
	for h := from.Truncate(time.Hour); h.Before(to); h = h.Add(time.Hour) {
		n := int(12 + hash(account, h.Unix())%18)
		for i := 0; i < n; i++ {
			created := h.Add(time.Duration(hash(account, h.Unix(), i, "t")%3600) * time.Second)
			if created.Before(from) || !created.Before(to) || created.After(now) {
				continue
			}
			x := hash(account, h.Unix(), i)
			t := transaction{
				ID:         acct*1_000_000_000 + (h.Unix()/3600%1_000_000)*100 + int64(i),
				Advertiser: advertisers[x%uint64(len(advertisers))],
				Status:     "pending",
				Commission: fmt.Sprintf("%d.%02d", x%250, x/7%100),
				Currency:   currency,
				CreatedAt:  created.Format(time.RFC3339),
				UpdatedAt:  created.Format(time.RFC3339),
			}
			if decided := created.Add(24*time.Hour + time.Duration(x%12)*time.Hour); !decided.After(now) {
				t.Status = []string{"approved", "approved", "approved", "declined", "approved"}[x/3%5]
				t.UpdatedAt = decided.Format(time.RFC3339)
			}
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ServeHTTP answers GET /v1/accounts/{id}/transactions?from&to&page&per_page.
func (p samplePartner) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+sampleToken {
		http.Error(w, `{"error":"invalid token"}`, http.StatusUnauthorized)
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) != 4 || parts[0] != "v1" || parts[1] != "accounts" || parts[3] != "transactions" {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	from, err1 := time.Parse(time.RFC3339, q.Get("from"))
	to, err2 := time.Parse(time.RFC3339, q.Get("to"))
	page, _ := strconv.Atoi(q.Get("page"))
	perPage, _ := strconv.Atoi(q.Get("per_page"))
	if err1 != nil || err2 != nil || page < 1 || perPage < 1 {
		http.Error(w, `{"error":"from, to (RFC 3339), page and per_page are required"}`, http.StatusBadRequest)
		return
	}
	all := p.transactions(parts[2], from, to)
	lo := min((page-1)*perPage, len(all))
	hi := min(lo+perPage, len(all))
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"data": all[lo:hi], "page": page, "per_page": perPage, "total": len(all)})
}
