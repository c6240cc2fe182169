SELECT load_id, target, count(*)::bigint, sum(row_count)::bigint, sum(file_size)::bigint, max(loaded_at)
FROM (
    SELECT load_id, target, file_key, sum(row_count) AS row_count, max(file_size) AS file_size, max(loaded_at) AS loaded_at
    FROM {{.Ledger}}
    {{- if .TargetKey}} WHERE target = {{lit .TargetKey}}{{end}}
    GROUP BY load_id, target, file_key
) f
GROUP BY load_id, target
ORDER BY max(loaded_at) DESC, load_id DESC
LIMIT {{.Limit}};
