-- DELETE, not TRUNCATE: TRUNCATE commits the transaction in Redshift.
DELETE FROM {{.Target}};
