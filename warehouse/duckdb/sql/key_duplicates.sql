SELECT count(*) FROM (SELECT {{join .Key ", "}} FROM {{.Target}} GROUP BY {{join .Key ", "}} HAVING count(*) > 1) AS d;
