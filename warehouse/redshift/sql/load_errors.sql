SELECT TRIM(file_name), TRIM(column_name), error_code, TRIM(error_message)
FROM sys_load_error_detail
WHERE TRIM(file_name) IN ({{range $i, $u := .URLs}}{{if $i}}, {{end}}{{lit $u}}{{end}})
ORDER BY start_time DESC
LIMIT 5;
