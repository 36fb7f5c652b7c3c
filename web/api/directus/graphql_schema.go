package directus

import (
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// systemSDL is the schema of /graphql/system: Directus's auth mutations
// (seed 003, the GraphQL examples), the queries users_me and server_ping,
// and the scalars Directus names them with. gqlparser adds the built-in
// scalars, the introspection types and Query.__schema / Query.__type.
const systemSDL = `
"""Directus's BigInt: milliseconds here."""
scalar GraphQLBigInt
"""An ISO-8601 date and time."""
scalar Date
"""Any JSON value."""
scalar JSON

"""How login and refresh return the tokens: in the body (json), the refresh token in the directus_refresh_token cookie (cookie), or only the directus_session_token cookie (session)."""
enum auth_mode {
  json
  cookie
  session
}

type auth_tokens {
  access_token: String
  """Lifetime of the access token (session mode: of the session cookie) in milliseconds."""
  expires: GraphQLBigInt
  refresh_token: String
}

type users_me_tfa_generate_data {
  secret: String
  otpauth_url: String
}

"""The signed-in member as a directus_users item (docs/dialects/directus.md)."""
type directus_users {
  id: ID!
  first_name: String
  last_name: String
  email: String
  password: String
  location: String
  title: String
  description: String
  tags: JSON
  avatar: String
  language: String
  tfa_secret: String
  status: String
  role: ID
  token: String
  last_access: Date
  last_page: String
  provider: String
  external_identifier: String
  auth_data: JSON
  email_notifications: Boolean
  appearance: String
  theme_dark: String
  theme_light: String
  theme_light_overrides: JSON
  theme_dark_overrides: JSON
  text_direction: String
}

type Query {
  """The signed-in member; null without credentials."""
  users_me: directus_users
  """Always "pong"."""
  server_ping: String
}

type Mutation {
  auth_login(email: String!, password: String!, mode: auth_mode, otp: String): auth_tokens
  auth_refresh(refresh_token: String, mode: auth_mode): auth_tokens
  auth_logout(refresh_token: String, mode: auth_mode): Boolean
  auth_password_request(email: String!, reset_url: String): Boolean
  auth_password_reset(token: String!, password: String!): Boolean
  users_me_tfa_generate(password: String!): users_me_tfa_generate_data
  users_me_tfa_enable(otp: String!, secret: String!): Boolean
  users_me_tfa_disable(otp: String!): Boolean
}
`

// systemSchema is systemSDL parsed and validated once, at start-up; a
// broken SDL fails every test of this package.
var systemSchema = gqlparser.MustLoadSchema(&ast.Source{Name: "system.graphql", Input: systemSDL, BuiltIn: false})
