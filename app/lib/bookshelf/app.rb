require 'json'
require 'socket'
require 'rack'

module Bookshelf
  # The Rack application: a search page, a JSON search API, books by id, adding a book, and a health
  # check that really searches the database.
  class App
    HEALTH_PROBE = 'dickens'.freeze
    MAX_QUERY = 200
    MAX_BODY = 4096
    BOOK_PATH = %r{\A/books/(\d{1,18})\z}.freeze

    def initialize(root:, pool_size:, config_path: Database.config_path)
      @catalog = Catalog.new(Database::Pool.new(config_path: config_path, size: pool_size))
      @version = File.read(File.join(root, 'VERSION')).strip
      @host = Socket.gethostname
    end

    def call(env)
      request = Rack::Request.new(env)
      route(request)
    rescue Database::Unavailable
      # The database is down or busy: answer now rather than hold the client (and a thread).
      status, headers, body = respond(503, { error: 'database unavailable' })
      [status, headers.merge('retry-after' => '1'), body]
    end

    private

    def route(request)
      path = request.path_info
      return(request.post? ? create_book(request) : respond(405, { error: 'method not allowed' })) if path == '/books'
      return respond(405, { error: 'method not allowed' }) unless request.get? || request.head?

      case path
      when '/' then index(request)
      when '/search' then search(request)
      when '/health' then health
      when BOOK_PATH then book(Regexp.last_match(1))
      else respond(404, { error: 'not found' })
      end
    end

    def index(request)
      query = request.params['q'].to_s
      results = query.empty? ? [] : @catalog.search(query)
      html(200, page(query, results, @catalog.size))
    end

    def search(request)
      query = request.params['q'].to_s
      return respond(400, { error: 'q is required' }) if query.strip.empty?
      return respond(400, { error: "q is longer than #{MAX_QUERY} characters" }) if query.length > MAX_QUERY

      results = @catalog.search(query)
      respond(200, { query: query, count: results.size, results: results.map(&:to_h) })
    end

    # Healthy only when the database answers and a known search finds something: a host whose
    # database is unreachable or empty must not receive traffic.
    def health
      found = !@catalog.search(HEALTH_PROBE, limit: 1).empty?
      return respond(503, { status: 'failing', reason: 'the probe search found nothing' }) unless found

      respond(200, { status: 'ok', books: @catalog.size })
    end

    def book(id)
      found = @catalog.find(id)
      found ? respond(200, found.to_h) : respond(404, { error: 'no such book' })
    end

    # 201 only once the row is committed; the same book again answers 200 with the existing row.
    def create_book(request)
      return respond(413, { error: "the body is larger than #{MAX_BODY} bytes" }) if request.content_length.to_i > MAX_BODY

      raw = request.body.read(MAX_BODY + 1).to_s
      return respond(413, { error: "the body is larger than #{MAX_BODY} bytes" }) if raw.bytesize > MAX_BODY

      fields = parse_book(raw)
      return respond(400, { error: fields }) if fields.is_a?(String)

      book, created = @catalog.add(**fields)
      respond(created ? 201 : 200, book.to_h)
    end

    # The book's fields, or what is wrong with the body.
    def parse_book(raw)
      data = JSON.parse(raw.force_encoding(Encoding::UTF_8))
      return 'the body must be a JSON object {title, author, year}' unless data.is_a?(Hash)

      fields = { title: data['title'], author: data['author'], year: data['year'] }
      problems = Catalog.problems(**fields)
      problems.empty? ? fields : problems.join('; ')
    rescue JSON::ParserError, EncodingError
      'the body is not valid JSON'
    end

    def respond(status, body)
      payload = JSON.generate(body.merge(host: @host, version: @version))
      [status, headers('application/json'), [payload]]
    end

    def html(status, body)
      [status, headers('text/html; charset=utf-8'), [body]]
    end

    # The serving host and version travel in headers too, so a load test can count them without parsing bodies.
    def headers(type)
      { 'content-type' => type, 'x-served-by' => @host, 'x-app-version' => @version, 'cache-control' => 'no-store' }
    end

    def page(query, results, count)
      escape = Rack::Utils.method(:escape_html)
      items = results.map { |b| "<li>#{escape.(b.title)} &mdash; #{escape.(b.author)} (#{b.year})</li>" }.join("\n")
      <<~HTML
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>Bookshelf</title></head>
        <body>
        <h1>Bookshelf</h1>
        <form action="/" method="get"><input name="q" value="#{escape.(query)}" autofocus> <button>Search</button></form>
        <ul>
        #{items}
        </ul>
        <footer>served by #{escape.(@host)}, version #{escape.(@version)}, #{count} books</footer>
        </body>
        </html>
      HTML
    end
  end
end
