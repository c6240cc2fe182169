// Package awsfake holds the stand-ins for the AWS control planes that
// cannot run here (Redshift and Redshift Serverless, Glue, SNS): real HTTP
// servers speaking each service's wire protocol well enough for the calls
// lakectl makes, able to fail the ways AWS fails (throttling, access
// denied, entity not found, races). Each behaviour cites the AWS page it
// follows. For tests only.
package awsfake
