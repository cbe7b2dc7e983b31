{{ config(materialized='table') }}

select switch_on from {{ source('raw', 'fixture_switch') }}
