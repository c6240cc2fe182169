CREATE EXTERNAL TABLE IF NOT EXISTS `lake`.`orders` (
  `id` bigint,
  `flag` boolean,
  `tiny` tinyint,
  `small` smallint,
  `medium` int,
  `u8` smallint,
  `u16` int,
  `u32` bigint,
  `u64` decimal(20,0),
  `ratio` float,
  `score` double,
  `amount` decimal(12,2),
  `big_amount` decimal(38,9),
  `name` string,
  `comment` string,
  `payload` binary,
  `birthday` date,
  `created_at` timestamp,
  `opens_at` bigint,
  `attrs` string,
  `Select` string
)
PARTITIONED BY (
  `created_at_day` string
)
STORED AS PARQUET
LOCATION 's3://acme-lake/prod/tables/orders/'
TBLPROPERTIES (
  'classification'='parquet',
  'projection.enabled'='true',
  'projection.created_at_day.type'='date',
  'projection.created_at_day.format'='yyyy-MM-dd',
  'projection.created_at_day.range'='2026-01-15,NOW',
  'projection.created_at_day.interval'='1',
  'projection.created_at_day.interval.unit'='DAYS',
  'storage.location.template'='s3://acme-lake/prod/tables/orders/created_at_day=${created_at_day}/'
);

CREATE EXTERNAL TABLE `clicks` (
  `id` bigint,
  `at` timestamp
)
PARTITIONED BY (
  `at_hour` string
)
STORED AS PARQUET
LOCATION 's3://acme-lake/tables/clicks/'
TBLPROPERTIES (
  'classification'='parquet',
  'projection.enabled'='true',
  'projection.at_hour.type'='date',
  'projection.at_hour.format'="yyyy-MM-dd'T'HH",
  'projection.at_hour.range'='2026-11-23T14,NOW',
  'projection.at_hour.interval'='1',
  'projection.at_hour.interval.unit'='HOURS',
  'storage.location.template'='s3://acme-lake/tables/clicks/at_hour=${at_hour}/'
);

CREATE EXTERNAL TABLE `stores` (
  `id` bigint
)
PARTITIONED BY (
  `region` string
)
STORED AS PARQUET
LOCATION 's3://acme-lake/tables/stores/'
TBLPROPERTIES (
  'classification'='parquet'
);
