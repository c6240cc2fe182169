-- postgres
ALTER TABLE "s"."orders" ALTER COLUMN "id" TYPE bigint;
ALTER TABLE "s"."orders" ALTER COLUMN "note" DROP NOT NULL;
ALTER TABLE "s"."orders" ADD COLUMN "amount" numeric(12,2);
ALTER TABLE "s"."orders" ADD COLUMN "tag" text;
-- duckdb
ALTER TABLE "s"."orders" ALTER COLUMN "id" TYPE BIGINT;
ALTER TABLE "s"."orders" ALTER COLUMN "note" DROP NOT NULL;
ALTER TABLE "s"."orders" ADD COLUMN "amount" DECIMAL(12,2);
ALTER TABLE "s"."orders" ADD COLUMN "tag" VARCHAR;
-- athena
ALTER TABLE `s`.`orders` CHANGE COLUMN `id` `id` bigint;
ALTER TABLE `s`.`orders` ADD COLUMNS (`amount` decimal(12,2));
ALTER TABLE `s`.`orders` ADD COLUMNS (`tag` string);
-- redshift
ALTER TABLE "orders" ADD COLUMN "amount" DECIMAL(12,2);
ALTER TABLE "orders" ADD COLUMN "tag" VARCHAR(13);
