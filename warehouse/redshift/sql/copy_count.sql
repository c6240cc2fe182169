-- COPY's command tag carries no row count on Redshift: ask the session.
SELECT pg_last_copy_count();
