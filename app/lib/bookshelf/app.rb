require 'json'
require 'socket'
require 'rack'

module Bookshelf
  # The Rack application: a search page, a JSON search API and a health check that really searches.
  class App
    HEALTH_PROBE = 'dickens'.freeze
    MAX_QUERY = 200

    def initialize(root:)
      @catalog = Catalog.load(File.join(root, 'data', 'books.csv'))
      @version = File.read(File.join(root, 'VERSION')).strip
      @host = Socket.gethostname
    end

    def call(env)
      request = Rack::Request.new(env)
      return respond(405, { error: 'method not allowed' }) unless request.get? || request.head?

      case request.path_info
      when '/' then index(request)
      when '/search' then search(request)
      when '/health' then health
      else respond(404, { error: 'not found' })
      end
    end

    private

    def index(request)
      query = request.params['q'].to_s
      results = query.empty? ? [] : @catalog.search(query)
      html(200, page(query, results))
    end

    def search(request)
      query = request.params['q'].to_s
      return respond(400, { error: 'q is required' }) if query.strip.empty?
      return respond(400, { error: "q is longer than #{MAX_QUERY} characters" }) if query.length > MAX_QUERY

      results = @catalog.search(query)
      respond(200, { query: query, count: results.size, results: results.map(&:to_h) })
    end

    # Healthy only when the catalog is loaded and a known search finds something: a worker that
    # booted with a broken data file must not receive traffic.
    def health
      found = @catalog.size.positive? && !@catalog.search(HEALTH_PROBE, limit: 1).empty?
      return respond(503, { status: 'failing', books: @catalog.size }) unless found

      respond(200, { status: 'ok', books: @catalog.size })
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

    def page(query, results)
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
        <footer>served by #{escape.(@host)}, version #{escape.(@version)}, #{@catalog.size} books</footer>
        </body>
        </html>
      HTML
    end
  end
end
