-- step scale_up
-- step create
-- amounts become exact
CREATE TABLE "analytics"."orders__rebuild" (
    id         BIGINT NOT NULL,
    amount     DECIMAL(12,2),
    name       VARCHAR(64)
);
-- step verify
SELECT count(*) FROM "analytics"."orders__rebuild";
-- step swap
ALTER TABLE "analytics"."orders" RENAME TO "orders__old";
UPDATE "public"."lakectl_loads" SET target = 'analytics.orders__old' WHERE target = 'analytics.orders';
ALTER TABLE "analytics"."orders__rebuild" RENAME TO "orders";
UPDATE "public"."lakectl_loads" SET target = 'analytics.orders' WHERE target = 'analytics.orders__rebuild';
DELETE FROM "public"."lakectl_targets" WHERE target IN ('analytics.orders', 'analytics.orders__rebuild', 'analytics.orders__old');
-- step drop_old
DROP TABLE IF EXISTS "analytics"."orders__old";
DELETE FROM "public"."lakectl_loads" WHERE target = 'analytics.orders__old';
-- step restore
